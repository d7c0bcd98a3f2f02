import FoundationEssentials
import GRDB

/// Registration tokens and their use counts. A registration that presents a token holds a "pending" use
/// until it completes, so a limited token cannot be spent twice by parallel registrations.
public struct RegistrationTokenStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    static func record(from row: Row) -> RegistrationTokenRecord {
        RegistrationTokenRecord(
            token: row["token"], usesAllowed: row["uses_allowed"], pending: row["pending"],
            completed: row["completed"], expiryTime: row["expiry_time"])
    }

    /// Creates a token; false when it already exists.
    public func create(token: String, usesAllowed: Int64?, expiryTime: Int64?) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO registration_tokens (token, uses_allowed, pending, completed, expiry_time)
                    VALUES (?, ?, 0, 0, ?) ON CONFLICT (token) DO NOTHING
                    """,
                arguments: [token, usesAllowed, expiryTime])
            return db.changesCount > 0
        }
    }

    public func get(_ token: String) async throws -> RegistrationTokenRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM registration_tokens WHERE token = ?", arguments: [token])
                .map(Self.record(from:))
        }
    }

    public func all() async throws -> [RegistrationTokenRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM registration_tokens ORDER BY token").map(Self.record(from:))
        }
    }

    public func delete(_ token: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM registration_tokens WHERE token = ?", arguments: [token])
            return db.changesCount > 0
        }
    }

    /// Takes a pending use of `token` if it is valid now; false otherwise.
    public func reserve(_ token: String, now: Int64) async throws -> Bool {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM registration_tokens WHERE token = ?",
                                             arguments: [token]),
                  Self.record(from: row).isValid(now: now)
            else { return false }
            try db.execute(sql: "UPDATE registration_tokens SET pending = pending + 1 WHERE token = ?", arguments: [token])
            return true
        }
    }

    /// Turns a pending use into a completed one (the account was created).
    public func complete(_ token: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE registration_tokens SET pending = MAX(pending - 1, 0), completed = completed + 1 WHERE token = ?",
                arguments: [token])
        }
    }

    /// Gives back a pending use (the registration session expired without creating an account).
    public func release(_ token: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE registration_tokens SET pending = MAX(pending - 1, 0) WHERE token = ?", arguments: [token])
        }
    }
}

extension RegistrationTokenStore {
    /// Changes the limits of a token; nil when it does not exist. `nil` inner values clear a limit.
    public func update(_ token: String, usesAllowed: Int64??, expiryTime: Int64??) async throws
        -> RegistrationTokenRecord?
    {
        try await database.write { db in
            if let usesAllowed {
                try db.execute(sql: "UPDATE registration_tokens SET uses_allowed = ? WHERE token = ?",
                               arguments: [usesAllowed, token])
            }
            if let expiryTime {
                try db.execute(sql: "UPDATE registration_tokens SET expiry_time = ? WHERE token = ?",
                               arguments: [expiryTime, token])
            }
            return try Row.fetchOne(db, sql: "SELECT * FROM registration_tokens WHERE token = ?", arguments: [token])
                .map(Self.record(from:))
        }
    }
}
