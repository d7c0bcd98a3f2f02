import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Other servers' verify keys, for checking event and request signatures. In order: our own keys
/// (answered locally), the in-memory cache, the database, the server itself (`GET /_matrix/key/v2/server`),
/// then each trusted notary (`POST /_matrix/key/v2/query`). Every response is checked before it is
/// stored; concurrent lookups of one server share one fetch; a server that failed is not asked again
/// until `Limits.failureCooldownMs` has passed.
public actor RemoteServerKeys: ServerKeyLookup {
    public struct Limits: Sendable {
        /// Per key request. Synapse gives a server 10 s for this easy request: a notary cannot make its
        /// own caller wait much longer.
        public var requestTimeoutSeconds = 10
        /// Per key response body (a real one is well under 10 KB).
        public var maxResponseBytes = 128 * 1024
        /// After a failed fetch, the server (or a lookup that found nothing usable) is left alone this long.
        public var failureCooldownMs: Int64 = 60_000
        /// Servers remembered as failing (each set of them).
        public var maxRememberedFailures = 1_000
        /// Entries of a notary's answer looked at.
        public var maxNotaryEntries = 20

        public init() {}
    }

    public let local: LocalServerKeys
    let store: ServerKeyStore
    let transport: any FederationTransport
    let trustedKeyServers: [String]
    let limits: Limits
    let nowMs: @Sendable () -> Int64
    let logger: Logger

    private var cache: ServerKeyCache
    /// Direct fetches under way, by server: a second caller waits for the first one's answer.
    private var directFetches: [String: Task<Bool, Never>] = [:]
    /// Whole lookups (server, then notaries) under way, by server.
    private var lookups: [String: Task<Void, Never>] = [:]
    /// Servers whose `/key/v2/server` failed recently.
    private var directFailures: FailureMemory
    /// Servers for which a whole lookup found nothing usable recently.
    private var lookupFailures: FailureMemory

    public init(local: LocalServerKeys, store: ServerKeyStore, transport: any FederationTransport,
                settings: FederationSettings, limits: Limits = Limits(), nowMs: @escaping @Sendable () -> Int64,
                logger: Logger) {
        self.local = local
        self.store = store
        self.transport = transport
        self.trustedKeyServers = settings.trustedKeyServers
        self.limits = limits
        self.nowMs = nowMs
        self.logger = logger
        cache = ServerKeyCache(capacityBytes: settings.keyCacheBytes)
        directFailures = FailureMemory(capacity: limits.maxRememberedFailures)
        lookupFailures = FailureMemory(capacity: limits.maxRememberedFailures)
    }

    // MARK: ServerKeyLookup

    /// `validAtMs` is when the signature was made (an event's `origin_server_ts`; 0 where the room
    /// version ignores key validity). A current key serves while `validAtMs <= valid_until_ts`, an old
    /// one while `validAtMs < expired_ts`; a current key known to be too short-lived is asked for again
    /// (with `minimum_valid_until_ts = validAtMs`). Nil when nothing usable could be found.
    public func verifyKey(server: String, keyId: String, validAtMs: Int64) async throws -> VerifyKey? {
        if server == local.serverName.description { return local.verifyKey(keyId: keyId, validAtMs: validAtMs) }
        guard keyId.hasPrefix("ed25519:") else { return nil }
        if let known = try await known(server: server, keyId: keyId) {
            switch known.usability(at: validAtMs) {
            case .usable: return known.verifyKey
            case .expired: return nil
            case .tooShortLived: break
            }
        }
        if lookupFailures.failing(server, nowMs: nowMs()) != nil { return nil }
        await lookUp(server: server, keyId: keyId, minimumValidUntilTs: validAtMs)
        guard let known = try await known(server: server, keyId: keyId), known.usability(at: validAtMs) == .usable
        else { return nil }
        return known.verifyKey
    }

    // MARK: For the notary

    /// Fetches `server`'s keys from the server itself now (deduplicated with other fetches, skipped
    /// while it is remembered as failing) and stores them. True when a good response was stored.
    public func fetchFromServer(_ server: String) async -> Bool {
        if server == local.serverName.description { return false }
        if let running = directFetches[server] { return await running.value }
        if directFailures.failing(server, nowMs: nowMs()) != nil { return false }
        let task = Task { await self.performDirectFetch(server) }
        directFetches[server] = task
        let stored = await task.value
        directFetches[server] = nil
        return stored
    }

    // MARK: Lookup

    /// The cache, then the database (filling the cache).
    private func known(server: String, keyId: String) async throws -> StoredServerKey? {
        if let cached = cache.get(server: server, keyId: keyId) { return cached }
        guard let stored = try await store.key(server: server, keyId: keyId) else { return nil }
        cache.put(stored)
        return stored
    }

    private func lookUp(server: String, keyId: String, minimumValidUntilTs: Int64) async {
        if let running = lookups[server] {
            await running.value
            return
        }
        let task = Task {
            await self.performLookup(server: server, keyId: keyId, minimumValidUntilTs: minimumValidUntilTs)
        }
        lookups[server] = task
        await task.value
        lookups[server] = nil
    }

    private func performLookup(server: String, keyId: String, minimumValidUntilTs: Int64) async {
        func satisfied() async -> Bool {
            guard let key = try? await known(server: server, keyId: keyId) else { return false }
            return key.usability(at: minimumValidUntilTs) == .usable
        }
        if await fetchFromServer(server), await satisfied() { return }
        for notary in trustedKeyServers where notary != server && notary != local.serverName.description {
            do {
                try await queryNotary(notary, server: server, keyId: keyId, minimumValidUntilTs: minimumValidUntilTs)
                if await satisfied() { return }
            } catch {
                logger.info("key query through a notary failed", metadata: [
                    "notary": "\(notary)", "server": "\(server)", "error": "\(error)",
                ])
            }
        }
        logger.info("no usable key found", metadata: [
            "server": "\(server)", "key": "\(keyId)", "valid_at": "\(minimumValidUntilTs)",
        ])
        let now = nowMs()
        lookupFailures.remember(server, untilMs: now + limits.failureCooldownMs, nowMs: now)
    }

    private func performDirectFetch(_ server: String) async -> Bool {
        let request = FederationRequest(.GET, destination: server, path: "/_matrix/key/v2/server", signed: false,
                                        timeoutSeconds: limits.requestTimeoutSeconds,
                                        maxResponseBytes: limits.maxResponseBytes)
        do {
            let json = try await transport.json(request)
            let response = try ServerKeyResponse(checking: json, expectedServer: server, source: server)
            try await save(response, source: server)
            directFailures.forget(server)
            return true
        } catch {
            logger.info("fetching server keys failed", metadata: ["server": "\(server)", "error": "\(error)"])
            let now = nowMs()
            directFailures.remember(server, untilMs: now + limits.failureCooldownMs, nowMs: now)
            return false
        }
    }

    /// Asks `notary` for `server`'s key and stores every entry of the answer that is signed both by
    /// `server` (with the keys it lists) and by `notary` (with keys fetched from the notary itself).
    private func queryNotary(_ notary: String, server: String, keyId: String, minimumValidUntilTs: Int64) async throws {
        let body: JSONValue = [
            "server_keys": .object([server: .object([keyId: ["minimum_valid_until_ts": .int(minimumValidUntilTs)]])]),
        ]
        let request = FederationRequest(.POST, destination: notary, path: "/_matrix/key/v2/query", body: body,
                                        signed: false, timeoutSeconds: limits.requestTimeoutSeconds,
                                        maxResponseBytes: limits.maxResponseBytes)
        let answer = try await transport.json(request)
        guard case .array(let entries)? = answer["server_keys"] else {
            throw FederationError.badResponse(notary, "the key query answer has no server_keys array")
        }
        var accepted: [ServerKeyResponse] = []
        var problems: [String] = []
        for case .object(let entry) in entries.prefix(limits.maxNotaryEntries)
        where entry["server_name"]?.stringValue == server {
            do {
                try await checkNotarySignature(entry, notary: notary)
                accepted.append(try ServerKeyResponse(checking: entry, expectedServer: server, source: notary))
            } catch {
                problems.append("\(error)")
            }
        }
        guard !accepted.isEmpty else {
            let details = problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")
            throw FederationError.badResponse(notary, "no acceptable keys for \(server)" + details)
        }
        // Oldest first, so where entries disagree about a key the longest-lived one is stored last and wins.
        for response in accepted.sorted(by: { $0.validUntilTs < $1.validUntilTs }) {
            try await save(response, source: notary)
        }
    }

    /// The notary must have signed the entry with a key we know from the notary directly (fetched now
    /// if needed); every such signature must hold, and there must be at least one.
    private func checkNotarySignature(_ entry: JSONObject, notary: String) async throws {
        let keyIds = JSONSigning.signingKeyIds(in: entry, by: notary)
        var verified = 0
        var fetched = false
        for keyId in keyIds {
            var key = try await known(server: notary, keyId: keyId)
            if key?.usability(at: nowMs()) != .usable, !fetched {
                fetched = true
                if await fetchFromServer(notary) { key = try await known(server: notary, keyId: keyId) }
            }
            guard let key, key.usability(at: nowMs()) == .usable, let verifyKey = key.verifyKey else { continue }
            do { try JSONSigning.verify(entry, signedBy: notary, with: verifyKey) } catch {
                throw FederationError.badResponse(notary, "notary signature: \(error.description)")
            }
            verified += 1
        }
        guard verified > 0 else {
            throw FederationError.badResponse(notary, "the entry is not signed by a known key of the notary")
        }
    }

    private func save(_ response: ServerKeyResponse, source: String) async throws {
        let (record, keys) = response.records(fetchedTs: nowMs(), source: source)
        try await store.save(record, keys: keys)
        for key in keys { cache.put(key) }
    }
}
