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

    public func setAdmin(userNid: Int64, isAdmin: Bool) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET is_admin = ? WHERE user_nid = ?", arguments: [isAdmin, userNid])
        }
    }

    /// Deactivates the account: no password, no devices or tokens. The row stays, so the user ID is never
    /// handed out again and what other tables reference (events, later) keeps its owner.
    public func deactivate(userNid: Int64, userId: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_nid = ?", arguments: [userNid])
            try db.execute(sql: "DELETE FROM devices WHERE user_nid = ?", arguments: [userNid])
            try DeviceListStore.record(db, userIds: [userId])
            try db.execute(sql: "DELETE FROM login_tokens WHERE user_nid = ?", arguments: [userNid])
        }
    }

    /// The number of sequential numeric localparts in use, for generating the next free one.
    public func userCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }
}
