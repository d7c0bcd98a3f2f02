import GRDB

/// Media metadata: one row per `mxc://` URI and one per cached thumbnail. The bytes live in files named by
/// their SHA-256 (see MyelinMedia's `MediaStore`); these rows are what make a file referenced.
/// Checks that must not race (quota, pending limit, single upload) run inside one write transaction.
public struct MediaRecordStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Inserts complete content under a new media ID, refusing it when the owner's total would pass
    /// `quotaBytes` (nil: no quota).
    public func insertComplete(serverName: String, mediaId: String, ownerNid: Int64?, content: MediaContentRecord,
                               nowMs: Int64, legacyVisible: Bool, quotaBytes: Int64?) async throws
        -> MediaInsertOutcome
    {
        try await database.write { db in
            if let quotaBytes, let ownerNid {
                let used = try Self.usage(db, ownerNid: ownerNid)
                if used + content.size > quotaBytes { return .quotaExceeded(usedBytes: used) }
            }
            if try Self.mediaExists(db, serverName: serverName, mediaId: mediaId) { return .idTaken }
            try db.execute(
                sql: """
                    INSERT INTO media (server_name, media_id, owner_nid, status, content_type, upload_name, sha256,
                        size, created_ts, uploaded_ts, expires_ts, legacy_visible)
                    VALUES (?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?, NULL, ?)
                    """,
                arguments: [serverName, mediaId, ownerNid, content.contentType, content.uploadName, content.sha256,
                            content.size, nowMs, nowMs, legacyVisible])
            return .stored
        }
    }

    /// Creates a pending media ID for `ownerNid`, first forgetting that user's lapsed ones.
    public func createPending(serverName: String, mediaId: String, ownerNid: Int64, nowMs: Int64, expiresTs: Int64,
                              maxPending: Int) async throws -> MediaCreateOutcome
    {
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM media WHERE owner_nid = ? AND status = 'pending' AND expires_ts <= ?",
                arguments: [ownerNid, nowMs])
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS n, MIN(expires_ts) AS earliest FROM media WHERE owner_nid = ? AND status = 'pending'",
                arguments: [ownerNid])
            let pending: Int = row?["n"] ?? 0
            if pending >= maxPending {
                return .tooManyPending(earliestExpiryTs: row?["earliest"] ?? nowMs)
            }
            if try Self.mediaExists(db, serverName: serverName, mediaId: mediaId) { return .idTaken }
            try db.execute(
                sql: """
                    INSERT INTO media (server_name, media_id, owner_nid, status, created_ts, expires_ts)
                    VALUES (?, ?, ?, 'pending', ?, ?)
                    """,
                arguments: [serverName, mediaId, ownerNid, nowMs, expiresTs])
            return .created
        }
    }

    /// Supplies the content of a pending ID: only its creator, only once, only before it lapses.
    public func completePending(serverName: String, mediaId: String, ownerNid: Int64, content: MediaContentRecord,
                                nowMs: Int64, legacyVisible: Bool, quotaBytes: Int64?) async throws
        -> MediaCompleteOutcome
    {
        try await database.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT owner_nid, status, expires_ts FROM media WHERE server_name = ? AND media_id = ?",
                arguments: [serverName, mediaId])
            else { return .notFound }
            let status: String = row["status"]
            let owner: Int64? = row["owner_nid"]
            if status == MediaStatus.complete.rawValue {
                return owner == ownerNid ? .alreadyUploaded : .notOwner
            }
            if let expires: Int64 = row["expires_ts"], expires <= nowMs { return .notFound }
            guard owner == ownerNid else { return .notOwner }
            if let quotaBytes {
                let used = try Self.usage(db, ownerNid: ownerNid)
                if used + content.size > quotaBytes { return .quotaExceeded(usedBytes: used) }
            }
            try db.execute(
                sql: """
                    UPDATE media SET status = 'complete', content_type = ?, upload_name = ?, sha256 = ?, size = ?,
                        uploaded_ts = ?, expires_ts = NULL, legacy_visible = ?
                    WHERE server_name = ? AND media_id = ? AND status = 'pending'
                    """,
                arguments: [content.contentType, content.uploadName, content.sha256, content.size, nowMs,
                            legacyVisible, serverName, mediaId])
            return .completed
        }
    }

    public func get(serverName: String, mediaId: String) async throws -> MediaRecord? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM media WHERE server_name = ? AND media_id = ?",
                arguments: [serverName, mediaId]
            ).map(Self.record)
        }
    }

    /// Bytes of complete media the user owns (what the quota counts: each upload its full size, even when
    /// its file is shared with another).
    public func usage(ownerNid: Int64) async throws -> Int64 {
        try await database.read { db in try Self.usage(db, ownerNid: ownerNid) }
    }

    /// Whether any media row or thumbnail still names this content file.
    public func isReferenced(sha256: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = ?)
                    OR EXISTS (SELECT 1 FROM media_thumbnails WHERE sha256 = ?)
                """, arguments: [sha256, sha256]) ?? false
        }
    }

    /// Every content hash some row names (for the start-up sweep of orphaned files).
    public func referencedHashes() async throws -> Set<String> {
        try await database.read { db in
            var hashes = Set(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM media WHERE sha256 IS NOT NULL"))
            hashes.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM media_thumbnails"))
            return hashes
        }
    }

    /// Forgets pending IDs that lapsed unused; returns how many.
    @discardableResult
    public func deleteExpiredPending(nowMs: Int64) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM media WHERE status = 'pending' AND expires_ts <= ?", arguments: [nowMs])
            return db.changesCount
        }
    }

    public func thumbnail(serverName: String, mediaId: String, width: Int, height: Int, method: String,
                          animated: Bool) async throws -> ThumbnailRecord? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT * FROM media_thumbnails WHERE server_name = ? AND media_id = ? AND width = ? AND height = ?
                        AND method = ? AND animated = ?
                    """,
                arguments: [serverName, mediaId, width, height, method, animated]
            ).map { row in
                ThumbnailRecord(
                    serverName: row["server_name"], mediaId: row["media_id"], width: row["width"],
                    height: row["height"], method: row["method"], animated: row["animated"],
                    contentType: row["content_type"], sha256: row["sha256"], size: row["size"],
                    createdTs: row["created_ts"])
            }
        }
    }

    /// Records a thumbnail (replacing one made concurrently for the same key).
    public func putThumbnail(_ thumbnail: ThumbnailRecord) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO media_thumbnails (server_name, media_id, width, height, method, animated,
                        content_type, sha256, size, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [thumbnail.serverName, thumbnail.mediaId, thumbnail.width, thumbnail.height,
                            thumbnail.method, thumbnail.animated, thumbnail.contentType, thumbnail.sha256,
                            thumbnail.size, thumbnail.createdTs])
        }
    }

    private static func mediaExists(_ db: Database, serverName: String, mediaId: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM media WHERE server_name = ? AND media_id = ?",
                          arguments: [serverName, mediaId]) ?? false
    }

    private static func usage(_ db: Database, ownerNid: Int64) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT COALESCE(SUM(size), 0) FROM media WHERE owner_nid = ? AND status = 'complete'",
            arguments: [ownerNid]) ?? 0
    }

    private static func record(_ row: Row) -> MediaRecord {
        let status: String = row["status"]
        return MediaRecord(
            serverName: row["server_name"], mediaId: row["media_id"], ownerNid: row["owner_nid"],
            status: MediaStatus(rawValue: status) ?? .pending, contentType: row["content_type"],
            uploadName: row["upload_name"], sha256: row["sha256"], size: row["size"], createdTs: row["created_ts"],
            uploadedTs: row["uploaded_ts"], expiresTs: row["expires_ts"], legacyVisible: row["legacy_visible"])
    }
}
