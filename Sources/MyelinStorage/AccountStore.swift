import FoundationEssentials
import GRDB

/// Users: creation, lookup, password, admin flag, deactivation.
public struct AccountStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    static func user(from row: Row) -> UserRecord {
        UserRecord(
            nid: row["user_nid"], localpart: row["localpart"], passwordHash: row["password_hash"],
            isAdmin: row["is_admin"], isGuest: row["is_guest"], deactivated: row["deactivated"],
            createdTs: row["created_ts"])
    }

    /// Creates a user; nil when the localpart is taken.
    public func create(localpart: String, passwordHash: String?, isAdmin: Bool, isGuest: Bool, now: Int64)
        async throws -> UserRecord?
    {
        try await database.write { db in
            if try Int64.fetchOne(db, sql: "SELECT user_nid FROM users WHERE localpart = ?", arguments: [localpart])
                != nil
            {
                return nil
            }
            try db.execute(
                sql: """
                    INSERT INTO users (localpart, password_hash, is_admin, is_guest, deactivated, created_ts)
                    VALUES (?, ?, ?, ?, 0, ?)
                    """,
                arguments: [localpart, passwordHash, isAdmin, isGuest, now])
            return UserRecord(
                nid: db.lastInsertedRowID, localpart: localpart, passwordHash: passwordHash, isAdmin: isAdmin,
                isGuest: isGuest, deactivated: false, createdTs: now)
        }
    }

    public func user(localpart: String) async throws -> UserRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE localpart = ?", arguments: [localpart])
                .map(Self.user(from:))
        }
    }

    public func user(nid: Int64) async throws -> UserRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE user_nid = ?", arguments: [nid]).map(Self.user(from:))
        }
    }

    public func exists(localpart: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE localpart = ?)", arguments: [localpart])
                ?? false
        }
    }

    /// True once any active admin account exists (registration mode "auto" closes then).
    public func adminExists() async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE is_admin = 1 AND deactivated = 0)")
                ?? false
        }
    }

    public func setPasswordHash(userNid: Int64, hash: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE user_nid = ?", arguments: [hash, userNid])
        }
    }

    /// Turns a guest account into a full one with this password, in place: the same user, rooms and
    /// devices. Nil when the account is not (or no longer) an active guest.
    public func upgradeGuest(userNid: Int64, passwordHash: String) async throws -> UserRecord? {
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE users SET is_guest = 0, password_hash = ?
                    WHERE user_nid = ? AND is_guest = 1 AND deactivated = 0
                    """,
                arguments: [passwordHash, userNid])
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM users WHERE user_nid = ?", arguments: [userNid])
                .map(Self.user(from:))
        }
    }

    public func setAdmin(userNid: Int64, isAdmin: Bool) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET is_admin = ? WHERE user_nid = ?", arguments: [isAdmin, userNid])
        }
    }

    /// Deactivates the account: no password, no devices or tokens. The row stays, so the user ID is never
    /// handed out again and what other tables reference (events, later) keeps its owner.
    ///
    /// With `erase` (spec v1.10) the user is also marked erased, so their events are served redacted to
    /// those who come later (`RoomEventStore.erasedSenders`), and the data that is not events goes:
    /// account data, profile, filters and key backups.
    public func deactivate(userNid: Int64, userId: String, erase: Bool = false, now: Int64 = 0) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_nid = ?", arguments: [userNid])
            try db.execute(sql: "DELETE FROM devices WHERE user_nid = ?", arguments: [userNid])
            try DeviceListStore.record(db, userIds: [userId])
            try db.execute(sql: "DELETE FROM login_tokens WHERE user_nid = ?", arguments: [userNid])
            guard erase else { return }
            try db.execute(sql: """
                INSERT OR REPLACE INTO erased_users (user_id, stream_pos, erased_ts)
                    SELECT ?, COALESCE(MAX(stream_pos), 0), ? FROM events;
                DELETE FROM account_data WHERE user_nid = ?;
                DELETE FROM profile_fields WHERE user_nid = ?;
                UPDATE profiles SET displayname = NULL, avatar_url = NULL, displayname_tokens = NULL WHERE user_nid = ?;
                DELETE FROM user_filters WHERE user_nid = ?;
                DELETE FROM key_backup_sessions WHERE user_nid = ?;
                UPDATE key_backup_versions SET deleted = 1 WHERE user_nid = ?;
                """, arguments: [userId, now, userNid, userNid, userNid, userNid, userNid, userNid])
        }
    }

    /// The number of sequential numeric localparts in use, for generating the next free one.
    public func userCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }
}
