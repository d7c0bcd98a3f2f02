import FoundationEssentials
import GRDB

/// When a remote server's key may be used to check a signature.
public enum ServerKeyValidity: Sendable, Equatable {
    /// Listed under `verify_keys`: good for anything stamped at or before this time.
    case current(validUntilTs: Int64)
    /// Listed under `old_verify_keys`: good for anything stamped before this time.
    case old(expiredTs: Int64)
}

/// One verify key of another server, as we last learnt it.
public struct StoredServerKey: Sendable, Equatable {
    public let serverName: String
    public let keyId: String
    /// The 32-byte ed25519 public key.
    public let publicKey: [UInt8]
    public let validity: ServerKeyValidity
    public let fetchedTs: Int64

    public init(serverName: String, keyId: String, publicKey: [UInt8], validity: ServerKeyValidity, fetchedTs: Int64) {
        self.serverName = serverName
        self.keyId = keyId
        self.publicKey = publicKey
        self.validity = validity
        self.fetchedTs = fetchedTs
    }
}

/// A signed key response (`GET /_matrix/key/v2/server`, or one entry of a notary's answer), kept as
/// received so a notary can serve it on.
public struct StoredKeyResponse: Sendable, Equatable {
    public let serverName: String
    /// Who we had it from: the server itself, or the notary that relayed it.
    public let source: String
    public let fetchedTs: Int64
    /// The response's own `valid_until_ts`, uncapped.
    public let validUntilTs: Int64
    /// Canonical JSON, with every signature it arrived with.
    public let json: [UInt8]

    public init(serverName: String, source: String, fetchedTs: Int64, validUntilTs: Int64, json: [UInt8]) {
        self.serverName = serverName
        self.source = source
        self.fetchedTs = fetchedTs
        self.validUntilTs = validUntilTs
        self.json = json
    }
}

/// Remote servers' verify keys and the key responses that listed them (the caller has checked them).
public struct ServerKeyStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Stores a verified response and the keys it lists. The newest information about a key wins (a
    /// server that retires a key moves it to `old_verify_keys`); responses no key points at any more
    /// are deleted.
    public func save(_ response: StoredKeyResponse, keys: [StoredServerKey]) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO server_key_responses (server_name, source, fetched_ts, valid_until_ts, json)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [response.serverName, response.source, response.fetchedTs, response.validUntilTs,
                            Data(response.json)])
            let responseId = db.lastInsertedRowID
            for key in keys where key.serverName == response.serverName {
                let (validUntil, expired): (Int64?, Int64?) = switch key.validity {
                case .current(let until): (until, nil)
                case .old(let expired): (nil, expired)
                }
                try db.execute(
                    sql: """
                        INSERT INTO server_keys
                            (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts, response_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (server_name, key_id) DO UPDATE SET
                            public_key = excluded.public_key, valid_until_ts = excluded.valid_until_ts,
                            expired_ts = excluded.expired_ts, fetched_ts = excluded.fetched_ts,
                            response_id = excluded.response_id
                        """,
                    arguments: [key.serverName, key.keyId, Data(key.publicKey), validUntil, expired, key.fetchedTs,
                                responseId])
            }
            try db.execute(
                sql: """
                    DELETE FROM server_key_responses WHERE server_name = ? AND response_id NOT IN
                        (SELECT response_id FROM server_keys WHERE server_name = ?)
                    """,
                arguments: [response.serverName, response.serverName])
        }
    }

    public func key(server: String, keyId: String) async throws -> StoredServerKey? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts FROM server_keys
                    WHERE server_name = ? AND key_id = ?
                    """),
                arguments: [server, keyId]
            ).flatMap(Self.key(from:))
        }
    }

    /// Every key we know of `server`, by key ID.
    public func keys(server: String) async throws -> [StoredServerKey] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts FROM server_keys
                    WHERE server_name = ? ORDER BY key_id
                    """),
                arguments: [server]
            ).compactMap(Self.key(from:))
        }
    }

    /// The stored responses that list any of `keyIds` of `server` (nil: every stored response of
    /// `server`), newest first.
    public func responses(server: String, keyIds: [String]? = nil) async throws -> [StoredKeyResponse] {
        try await database.read { db in
            let rows: [Row]
            if let keyIds {
                guard !keyIds.isEmpty else { return [] }
                let marks = Array(repeating: "?", count: keyIds.count).joined(separator: ", ")
                var arguments: StatementArguments = [server]
                arguments += StatementArguments(keyIds)
                rows = try Row.fetchAll(db, sql: """
                    SELECT server_name, source, fetched_ts, valid_until_ts, json FROM server_key_responses
                    WHERE response_id IN
                        (SELECT response_id FROM server_keys WHERE server_name = ? AND key_id IN (\(marks)))
                    ORDER BY fetched_ts DESC, response_id DESC
                    """, arguments: arguments)
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT server_name, source, fetched_ts, valid_until_ts, json FROM server_key_responses
                        WHERE server_name = ? ORDER BY fetched_ts DESC, response_id DESC
                        """),
                    arguments: [server])
            }
            return rows.map { row in
                StoredKeyResponse(serverName: row["server_name"], source: row["source"], fetchedTs: row["fetched_ts"],
                                  validUntilTs: row["valid_until_ts"], json: [UInt8](row["json"] as Data))
            }
        }
    }

    private static func key(from row: Row) -> StoredServerKey? {
        let validity: ServerKeyValidity
        if let until: Int64 = row["valid_until_ts"] {
            validity = .current(validUntilTs: until)
        } else if let expired: Int64 = row["expired_ts"] {
            validity = .old(expiredTs: expired)
        } else {
            return nil
        }
        return StoredServerKey(serverName: row["server_name"], keyId: row["key_id"],
                               publicKey: [UInt8](row["public_key"] as Data), validity: validity,
                               fetchedTs: row["fetched_ts"])
    }
}
