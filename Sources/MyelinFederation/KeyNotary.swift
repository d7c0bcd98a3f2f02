import Logging
import MatrixCore
import MyelinStorage

/// Answers key queries about other servers (`/_matrix/key/v2/query`): the responses we stored, fetched
/// from the server itself first when missing or not valid long enough, each co-signed by us. For our
/// own name, our own document. Like Synapse's notary it fetches only from the server itself, never
/// through other notaries, so two notaries cannot ask each other in a loop.
public struct KeyNotary: Sendable {
    /// Servers fetched for one query at most; the others are answered from what is stored.
    public static let maxFetchesPerQuery = 10

    let local: LocalServerKeys
    let remote: RemoteServerKeys
    let store: ServerKeyStore
    let nowMs: @Sendable () -> Int64
    let logger: Logger

    public init(local: LocalServerKeys, remote: RemoteServerKeys, store: ServerKeyStore,
                nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        self.local = local
        self.remote = remote
        self.store = store
        self.nowMs = nowMs
        self.logger = logger
    }

    /// `{"server_keys": [...]}`: every stored response that lists a requested key (or, with no key IDs,
    /// every stored response of the server), signed by us. A server we cannot reach and know nothing
    /// of is simply absent, as the spec says.
    public func answer(_ query: KeyQuery) async throws -> JSONObject {
        let ours = local.serverName.description
        let stale = try await serversToFetch(query).prefix(Self.maxFetchesPerQuery)
        if !stale.isEmpty {
            // Concurrently, so one slow server costs its timeout once, not once per server.
            await withTaskGroup(of: Void.self) { group in
                for server in stale { group.addTask { _ = await remote.fetchFromServer(server) } }
            }
        }
        var answers: [JSONValue] = []
        for server in query.servers {
            if server.name == ours {
                answers.append(.object(try local.document()))
                continue
            }
            let keyIds = server.keys.isEmpty ? nil : server.keys.map(\.keyId)
            for response in try await store.responses(server: server.name, keyIds: keyIds) {
                guard case .object(let object)? = try? JSONParser.parse(response.json) else {
                    logger.warning("a stored key response is not a JSON object", metadata: ["server": "\(server.name)"])
                    continue
                }
                answers.append(.object(try local.sign(object)))
            }
        }
        return ["server_keys": .array(answers)]
    }

    /// The servers whose stored keys do not answer the query well enough, in query order.
    private func serversToFetch(_ query: KeyQuery) async throws -> [String] {
        let now = nowMs()
        var result: [String] = []
        for server in query.servers where server.name != local.serverName.description {
            let known = try await store.keys(server: server.name)
            if server.keys.isEmpty {
                // Only a current key tells whether the server's keys are up to date.
                let fresh = known.contains { key in
                    guard case .current = key.validity else { return false }
                    return isFresh(key, minimum: server.minimumValidUntilTs, now: now)
                }
                if !fresh { result.append(server.name) }
            } else {
                let satisfied = server.keys.allSatisfy { criteria in
                    guard let key = known.first(where: { $0.keyId == criteria.keyId }) else { return false }
                    return isFresh(key, minimum: criteria.minimumValidUntilTs, now: now)
                }
                if !satisfied { result.append(server.name) }
            }
        }
        return result
    }

    /// A current key is fresh while valid until the asked minimum (now when none is given, and then
    /// also only in the first half of its life, as the spec asks notaries to cache a response). An old key
    /// does not change by asking again.
    private func isFresh(_ key: StoredServerKey, minimum: Int64?, now: Int64) -> Bool {
        switch key.validity {
        case .old: return true
        case .current(let validUntil):
            if let minimum { return validUntil >= minimum }
            return validUntil >= now && key.fetchedTs + (validUntil - key.fetchedTs) / 2 >= now
        }
    }
}
