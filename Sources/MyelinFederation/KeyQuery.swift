import MatrixCore

/// What a key query asks a notary for: `POST /_matrix/key/v2/query`'s `server_keys`, or
/// `GET /_matrix/key/v2/query/{serverName}`. Bad input is a 400 Matrix error, never a crash.
public struct KeyQuery: Sendable, Equatable {
    public struct Criteria: Sendable, Equatable {
        public let keyId: String
        /// The answer should be valid until at least this time; nil: now (as the spec says).
        public let minimumValidUntilTs: Int64?

        public init(keyId: String, minimumValidUntilTs: Int64?) {
            self.keyId = keyId
            self.minimumValidUntilTs = minimumValidUntilTs
        }
    }

    public struct Server: Sendable, Equatable {
        public let name: String
        /// Empty: every key of the server.
        public let keys: [Criteria]
        /// For every key (the GET form's `minimum_valid_until_ts`); nil: now.
        public let minimumValidUntilTs: Int64?

        public init(name: String, keys: [Criteria], minimumValidUntilTs: Int64? = nil) {
            self.name = name
            self.keys = keys
            self.minimumValidUntilTs = minimumValidUntilTs
        }
    }

    /// Synapse sets no limit; a small board does. Past these a query is refused with `M_TOO_LARGE`.
    public static let maxServers = 100
    public static let maxKeysPerServer = 100

    public let servers: [Server]

    public init(servers: [Server]) {
        self.servers = servers
    }

    /// The GET form: every key of one server.
    public init(serverName: String, minimumValidUntilTs: Int64?) throws(MatrixError) {
        try Self.checkServerName(serverName)
        servers = [Server(name: serverName, keys: [], minimumValidUntilTs: minimumValidUntilTs)]
    }

    /// The POST body: `{"server_keys": {server: {keyId: {"minimum_valid_until_ts": ts}}}}`.
    public init(body: JSONObject) throws(MatrixError) {
        guard let value = body["server_keys"] else { throw MatrixError.missingParam("'server_keys' is required") }
        guard case .object(let byServer) = value else {
            throw MatrixError.badJSON("'server_keys' must be an object, not \(value.typeName)")
        }
        guard byServer.count <= Self.maxServers else {
            throw MatrixError.tooLarge("At most \(Self.maxServers) servers per key query, not \(byServer.count)")
        }
        var servers: [Server] = []
        for name in byServer.sortedKeys {
            try Self.checkServerName(name)
            guard case .object(let byKey)? = byServer[name] else {
                throw MatrixError.badJSON("'server_keys.\(name)' must be an object")
            }
            guard byKey.count <= Self.maxKeysPerServer else {
                throw MatrixError.tooLarge("At most \(Self.maxKeysPerServer) key IDs per server, not \(byKey.count)")
            }
            var keys: [Criteria] = []
            for keyId in byKey.sortedKeys {
                guard case .object(let criteria)? = byKey[keyId] else {
                    throw MatrixError.badJSON("'server_keys.\(name).\(keyId)' must be an object")
                }
                let minimum: Int64?
                switch criteria["minimum_valid_until_ts"] {
                case nil, .null?: minimum = nil
                case .int(let ts)?: minimum = ts
                case let other?:
                    throw MatrixError.badJSON("'server_keys.\(name).\(keyId).minimum_valid_until_ts' must be an "
                        + "integer, not \(other.typeName)")
                }
                keys.append(Criteria(keyId: keyId, minimumValidUntilTs: minimum))
            }
            servers.append(Server(name: name, keys: keys))
        }
        self.servers = servers
    }

    private static func checkServerName(_ name: String) throws(MatrixError) {
        do { _ = try ServerName(parsing: name) } catch {
            throw MatrixError.invalidParam("Invalid server name \"\(name)\": \(error.description)")
        }
    }
}
