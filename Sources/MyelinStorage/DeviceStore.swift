import FoundationEssentials
import GRDB

/// Devices and the access, refresh and login tokens bound to them. Tokens are stored as hashes only.
public struct DeviceStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    static func device(from row: Row) -> DeviceRecord {
        DeviceRecord(
            deviceId: row["device_id"], displayName: row["display_name"], lastSeenTs: row["last_seen_ts"],
            lastSeenIP: row["last_seen_ip"], createdTs: row["created_ts"])
    }

    /// Starts a session on `deviceId`: creates the device if new (keeping its name if it exists) and
    /// replaces every token the device had, as the spec asks when a client reuses a device ID.
    public func startSession(
        userNid: Int64, deviceId: String, displayName: String?, tokens: NewSessionTokens, ip: String?, now: Int64
    ) async throws {
        try await database.write { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM devices WHERE user_nid = ? AND device_id = ?)",
                arguments: [userNid, deviceId]) ?? false
            if exists {
                try db.execute(
                    sql: "DELETE FROM access_tokens WHERE user_nid = ? AND device_id = ?", arguments: [userNid, deviceId])
                try db.execute(
                    sql: "DELETE FROM refresh_tokens WHERE user_nid = ? AND device_id = ?", arguments: [userNid, deviceId])
                try db.execute(
                    sql: "UPDATE devices SET last_seen_ts = ?, last_seen_ip = ? WHERE user_nid = ? AND device_id = ?",
                    arguments: [now, ip, userNid, deviceId])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO devices (user_nid, device_id, display_name, last_seen_ts, last_seen_ip, created_ts)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [userNid, deviceId, displayName, now, ip, now])
            }
            try Self.insertTokens(db, userNid: userNid, deviceId: deviceId, tokens: tokens, now: now)
        }
    }

    @discardableResult
    private static func insertTokens(_ db: Database, userNid: Int64, deviceId: String, tokens: NewSessionTokens,
                                     now: Int64) throws -> Int64? {
        var refreshId: Int64? = nil
        if let refreshHash = tokens.refreshHash {
            try db.execute(
                sql: "INSERT INTO refresh_tokens (token_hash, user_nid, device_id, created_ts) VALUES (?, ?, ?, ?)",
                arguments: [Data(refreshHash), userNid, deviceId, now])
            refreshId = db.lastInsertedRowID
        }
        try db.execute(
            sql: """
                INSERT INTO access_tokens (token_hash, user_nid, device_id, created_ts, expires_ts, refresh_id)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [Data(tokens.accessHash), userNid, deviceId, now, tokens.accessExpiresTs, refreshId])
        return refreshId
    }

    /// The owner of an access token, by its hash; nil for an unknown token.
    public func owner(ofAccessTokenHash hash: [UInt8]) async throws -> TokenOwner? {
        try await database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT t.token_id, t.user_nid, t.device_id, t.expires_ts, t.refresh_id,
                           u.localpart, u.is_admin, u.is_guest,
                           (t.refresh_id IS NOT NULL AND EXISTS(
                               SELECT 1 FROM refresh_tokens p WHERE p.replaced_by = t.refresh_id)) AS has_predecessor
                    FROM access_tokens t JOIN users u ON u.user_nid = t.user_nid
                    WHERE t.token_hash = ? AND u.deactivated = 0
                    """,
                arguments: [Data(hash)]
            ).map { row in
                TokenOwner(
                    tokenId: row["token_id"], userNid: row["user_nid"], localpart: row["localpart"],
                    deviceId: row["device_id"], isAdmin: row["is_admin"], isGuest: row["is_guest"],
                    expiresTs: row["expires_ts"], refreshId: row["refresh_id"],
                    refreshPredecessorPending: row["has_predecessor"])
            }
        }
    }

    public enum RefreshOutcome: Sendable {
        case refreshed(userNid: Int64, deviceId: String)
        case unknownToken
    }

    /// Exchanges a refresh token for new tokens on the same device. Per the spec, the old refresh token
    /// stays usable until the new access or refresh token is first used (so a client that lost the answer
    /// can retry); a retry replaces the unused successor.
    public func refresh(oldRefreshHash: [UInt8], tokens: NewSessionTokens, now: Int64) async throws -> RefreshOutcome {
        try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.refresh_id, r.user_nid, r.device_id, r.replaced_by FROM refresh_tokens r
                        JOIN users u ON u.user_nid = r.user_nid
                        WHERE r.token_hash = ? AND u.deactivated = 0
                        """,
                    arguments: [Data(oldRefreshHash)])
            else { return .unknownToken }
            let refreshId: Int64 = row["refresh_id"]
            let userNid: Int64 = row["user_nid"]
            let deviceId: String = row["device_id"]
            if let unusedSuccessor: Int64 = row["replaced_by"] {
                try db.execute(sql: "DELETE FROM refresh_tokens WHERE refresh_id = ?", arguments: [unusedSuccessor])
            }
            // Using this token proves its own predecessor is no longer needed.
            try db.execute(sql: "DELETE FROM refresh_tokens WHERE replaced_by = ?", arguments: [refreshId])
            let newId = try Self.insertTokens(db, userNid: userNid, deviceId: deviceId, tokens: tokens, now: now)
            try db.execute(
                sql: "UPDATE refresh_tokens SET replaced_by = ? WHERE refresh_id = ?", arguments: [newId, refreshId])
            return .refreshed(userNid: userNid, deviceId: deviceId)
        }
    }

    /// Called when an access token issued by refresh token `refreshId` is used: its predecessor (and the
    /// access tokens that came with it) are revoked now.
    public func retirePredecessor(ofRefreshId refreshId: Int64) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM refresh_tokens WHERE replaced_by = ?", arguments: [refreshId])
        }
    }

    /// Logs one access token out: the device goes with it (spec: logout invalidates the device).
    /// `userId` is the owner's (the device list change is recorded under it).
    public func logout(tokenId: Int64, userId: String) async throws {
        try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT user_nid, device_id FROM access_tokens WHERE token_id = ?", arguments: [tokenId])
            else { return }
            try db.execute(
                sql: "DELETE FROM devices WHERE user_nid = ? AND device_id = ?",
                arguments: [row["user_nid"] as Int64, row["device_id"] as String])
            try DeviceListStore.record(db, userIds: [userId])
        }
    }

    /// Deletes devices (and through the cascade their tokens, keys and to-device messages). `except`
    /// keeps one device. A device list change of `userId` when any went.
    public func deleteAll(userNid: Int64, userId: String, except keep: String? = nil) async throws {
        try await database.write { db in
            if let keep {
                try db.execute(
                    sql: "DELETE FROM devices WHERE user_nid = ? AND device_id != ?", arguments: [userNid, keep])
            } else {
                try db.execute(sql: "DELETE FROM devices WHERE user_nid = ?", arguments: [userNid])
            }
            if db.changesCount > 0 { try DeviceListStore.record(db, userIds: [userId]) }
        }
    }

    public func delete(userNid: Int64, userId: String, deviceIds: [String]) async throws {
        try await database.write { db in
            var deleted = 0
            for deviceId in deviceIds {
                try db.execute(
                    sql: "DELETE FROM devices WHERE user_nid = ? AND device_id = ?", arguments: [userNid, deviceId])
                deleted += db.changesCount
            }
            if deleted > 0 { try DeviceListStore.record(db, userIds: [userId]) }
        }
    }

    public func devices(userNid: Int64) async throws -> [DeviceRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM devices WHERE user_nid = ? ORDER BY created_ts, device_id",
                             arguments: [userNid]).map(Self.device(from:))
        }
    }

    public func device(userNid: Int64, deviceId: String) async throws -> DeviceRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE user_nid = ? AND device_id = ?",
                             arguments: [userNid, deviceId]).map(Self.device(from:))
        }
    }

    /// Renames a device; false when it does not exist. Others see device names in `/keys/query`, so a
    /// rename is a device list change of `userId`.
    public func rename(userNid: Int64, userId: String, deviceId: String, displayName: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE devices SET display_name = ? WHERE user_nid = ? AND device_id = ?",
                arguments: [displayName, userNid, deviceId])
            guard db.changesCount > 0 else { return false }
            try DeviceListStore.record(db, userIds: [userId])
            return true
        }
    }

    /// Records the last time and address a device was used. Best effort: callers need not wait for it.
    public func touch(userNid: Int64, deviceId: String, ip: String?, now: Int64) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE devices SET last_seen_ts = ?, last_seen_ip = ? WHERE user_nid = ? AND device_id = ?",
                arguments: [now, ip, userNid, deviceId])
        }
    }

    // MARK: Login tokens (m.login.token)

    public func addLoginToken(hash: [UInt8], userNid: Int64, expiresTs: Int64) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM login_tokens WHERE expires_ts <= ?", arguments: [expiresTs - 86_400_000])
            try db.execute(
                sql: "INSERT INTO login_tokens (token_hash, user_nid, expires_ts) VALUES (?, ?, ?)",
                arguments: [Data(hash), userNid, expiresTs])
        }
    }

    /// Consumes a login token (single use); returns its user when it was valid.
    public func consumeLoginToken(hash: [UInt8], now: Int64) async throws -> Int64? {
        try await database.write { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT user_nid, expires_ts FROM login_tokens WHERE token_hash = ?", arguments: [Data(hash)])
            try db.execute(sql: "DELETE FROM login_tokens WHERE token_hash = ?", arguments: [Data(hash)])
            guard let row, (row["expires_ts"] as Int64) > now else { return nil }
            return row["user_nid"] as Int64
        }
    }
}
