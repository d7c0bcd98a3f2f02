import FoundationEssentials
import GRDB

/// Server-side key backups, per user: numbered versions (never reused) and the session keys of each.
/// Version checks and the keep-or-replace decision run inside the write, so concurrent uploads cannot
/// interleave between check and write.
public struct KeyBackupStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Creates the next version (one above every version the user ever had) and returns its number.
    public func createVersion(userNid: Int64, algorithm: String, authData: [UInt8]) async throws -> Int64 {
        try await database.write { db in
            let last = try Int64.fetchOne(
                db, sql: "SELECT MAX(version) FROM key_backup_versions WHERE user_nid = ?", arguments: [userNid])
            let version = (last ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO key_backup_versions (user_nid, version, algorithm, auth_data) VALUES (?, ?, ?, ?)",
                arguments: [userNid, version, algorithm, Data(authData)])
            return version
        }
    }

    /// A live (not deleted) version, or the latest live one when `version` is nil.
    public func version(userNid: Int64, version: Int64?) async throws -> KeyBackupVersionRecord? {
        try await database.read { db in
            let row: Row?
            if let version {
                row = try Row.fetchOne(db, sql: """
                    SELECT version, algorithm, auth_data, etag FROM key_backup_versions
                    WHERE user_nid = ? AND version = ? AND deleted = 0
                    """, arguments: [userNid, version])
            } else {
                row = try Row.fetchOne(db, sql: """
                    SELECT version, algorithm, auth_data, etag FROM key_backup_versions
                    WHERE user_nid = ? AND deleted = 0 ORDER BY version DESC LIMIT 1
                    """, arguments: [userNid])
            }
            guard let row else { return nil }
            let number: Int64 = row["version"]
            let authData: Data = row["auth_data"]
            return KeyBackupVersionRecord(
                version: number, algorithm: row["algorithm"], authData: [UInt8](authData), etag: row["etag"],
                count: try Self.count(db, userNid: userNid, version: number))
        }
    }

    /// Replaces the `auth_data` of a live version; false when there is no such version.
    public func updateAuthData(userNid: Int64, version: Int64, authData: [UInt8]) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE key_backup_versions SET auth_data = ? WHERE user_nid = ? AND version = ? AND deleted = 0",
                arguments: [Data(authData), userNid, version])
            return db.changesCount > 0
        }
    }

    /// Marks a version deleted and removes its keys.
    public func deleteVersion(userNid: Int64, version: Int64) async throws -> KeyBackupDeleteOutcome {
        try await database.write { db in
            guard let deleted = try Bool.fetchOne(
                db, sql: "SELECT deleted FROM key_backup_versions WHERE user_nid = ? AND version = ?",
                arguments: [userNid, version])
            else { return .notFound }
            if deleted { return .alreadyDeleted }
            try db.execute(sql: "DELETE FROM key_backup_sessions WHERE user_nid = ? AND version = ?",
                           arguments: [userNid, version])
            try db.execute(sql: "UPDATE key_backup_versions SET deleted = 1 WHERE user_nid = ? AND version = ?",
                           arguments: [userNid, version])
            return .deleted
        }
    }

    /// Stores keys into `version` if it is the user's current one. For a session already stored,
    /// `shouldReplace(existing, new)` decides; the etag moves only when some key was written.
    public func putKeys(
        userNid: Int64, version: Int64?, keys: [BackedUpRoomKey],
        shouldReplace: @escaping @Sendable (BackedUpRoomKey, BackedUpRoomKey) -> Bool
    ) async throws -> KeyBackupUploadOutcome {
        try await database.write { db in
            let current = try Int64.fetchOne(db, sql: """
                SELECT version FROM key_backup_versions WHERE user_nid = ? AND deleted = 0
                ORDER BY version DESC LIMIT 1
                """, arguments: [userNid])
            guard let current, current == version else { return .notCurrent(current: current) }
            var changed = false
            for key in keys {
                if let existing = try Self.fetchKeys(
                    db, userNid: userNid, version: current, roomId: key.roomId, sessionId: key.sessionId).first,
                    !shouldReplace(existing, key)
                {
                    continue
                }
                try db.execute(sql: """
                    INSERT INTO key_backup_sessions (user_nid, version, room_id, session_id, first_message_index,
                        forwarded_count, is_verified, session_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_nid, version, room_id, session_id) DO UPDATE SET
                        first_message_index = excluded.first_message_index,
                        forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified,
                        session_data = excluded.session_data
                    """, arguments: [userNid, current, key.roomId, key.sessionId, key.firstMessageIndex,
                                     key.forwardedCount, key.isVerified, Data(key.sessionData)])
                changed = true
            }
            return .stored(try Self.finish(db, userNid: userNid, version: current, changed: changed))
        }
    }

    /// The keys of a live version, all or those of one room or one session; nil when the version is absent.
    public func keys(userNid: Int64, version: Int64, roomId: String?, sessionId: String?) async throws
        -> [BackedUpRoomKey]?
    {
        try await database.read { db in
            guard try Self.isLive(db, userNid: userNid, version: version) else { return nil }
            return try Self.fetchKeys(db, userNid: userNid, version: version, roomId: roomId, sessionId: sessionId)
        }
    }

    /// Deletes keys of a live version (all, one room's, or one session); nil when the version is absent.
    public func deleteKeys(userNid: Int64, version: Int64, roomId: String?, sessionId: String?) async throws
        -> KeyBackupCounts?
    {
        try await database.write { db in
            guard try Self.isLive(db, userNid: userNid, version: version) else { return nil }
            let (filter, arguments) = Self.scope(userNid: userNid, version: version, roomId: roomId,
                                                 sessionId: sessionId)
            try db.execute(sql: "DELETE FROM key_backup_sessions WHERE " + filter, arguments: arguments)
            return try Self.finish(db, userNid: userNid, version: version, changed: db.changesCount > 0)
        }
    }

    /// The WHERE clause for a whole backup, one room of it, or one session.
    private static func scope(userNid: Int64, version: Int64, roomId: String?, sessionId: String?)
        -> (String, StatementArguments)
    {
        var filter = "user_nid = ? AND version = ?"
        var arguments: StatementArguments = [userNid, version]
        if let roomId {
            filter += " AND room_id = ?"
            arguments += [roomId]
        }
        if let sessionId {
            filter += " AND session_id = ?"
            arguments += [sessionId]
        }
        return (filter, arguments)
    }

    private static func isLive(_ db: Database, userNid: Int64, version: Int64) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM key_backup_versions WHERE user_nid = ? AND version = ? AND deleted = 0",
            arguments: [userNid, version]) ?? false
    }

    private static func fetchKeys(_ db: Database, userNid: Int64, version: Int64, roomId: String?,
                                  sessionId: String?) throws -> [BackedUpRoomKey] {
        let (filter, arguments) = scope(userNid: userNid, version: version, roomId: roomId, sessionId: sessionId)
        let sql = """
            SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data
            FROM key_backup_sessions WHERE
            """ + " " + filter
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let data: Data = row["session_data"]
            return BackedUpRoomKey(
                roomId: row["room_id"], sessionId: row["session_id"], firstMessageIndex: row["first_message_index"],
                forwardedCount: row["forwarded_count"], isVerified: row["is_verified"], sessionData: [UInt8](data))
        }
    }

    /// Bumps the etag when the keys changed and returns the version's etag and key count.
    private static func finish(_ db: Database, userNid: Int64, version: Int64, changed: Bool) throws
        -> KeyBackupCounts
    {
        if changed {
            try db.execute(sql: "UPDATE key_backup_versions SET etag = etag + 1 WHERE user_nid = ? AND version = ?",
                           arguments: [userNid, version])
        }
        let etag = try Int64.fetchOne(
            db, sql: "SELECT etag FROM key_backup_versions WHERE user_nid = ? AND version = ?",
            arguments: [userNid, version]) ?? 0
        return KeyBackupCounts(etag: etag, count: try count(db, userNid: userNid, version: version))
    }

    private static func count(_ db: Database, userNid: Int64, version: Int64) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT COUNT(*) FROM key_backup_sessions WHERE user_nid = ? AND version = ?",
            arguments: [userNid, version]) ?? 0
    }
}
