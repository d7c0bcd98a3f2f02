#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MatrixCore
import MyelinHTTPClient

/// Resolves server names in exactly the order of the spec's "Resolving server names": (1) an IP
/// literal, (2) a host name with a port, (3) `.well-known/matrix/server` delegation (3.1 IP literal,
/// 3.2 host with port, 3.3 `_matrix-fed._tcp` SRV, 3.4 deprecated `_matrix._tcp` SRV, 3.5 port
/// 8448), then without delegation (4) `_matrix-fed._tcp` SRV, (5) `_matrix._tcp` SRV, (6) port 8448.
///
/// Results that needed lookups are kept in a cache bounded by entry count (least recently used
/// goes first) until the `.well-known` answer or the SRV records behind them are due again; so are
/// `.well-known` answers (see `WellKnownCachePolicy`). Concurrent resolutions of one name share one
/// lookup. Errors are `FederationError.unresolvable`.
public actor ServerResolver: ServerResolving {
    /// The spec's default federation port.
    public static let defaultPort = 8448
    /// SRV answers are kept for their TTL, within these bounds (a TTL of 0 must not mean a lookup
    /// per request).
    static let srvMinCacheMs: Int64 = 60_000
    static let srvMaxCacheMs: Int64 = 24 * 3_600_000
    /// "No SRV records": Synapse leaves caching this to the system resolver, but a small board often
    /// has no caching resolver, and most servers have no SRV records, so it is kept for a while here.
    static let noSRVCacheMs: Int64 = 10 * 60_000

    /// A resolution and until when it may be used.
    private struct Resolution: Sendable {
        let server: ResolvedServer
        let expiresAtMs: Int64
    }

    private let wellKnownFetcher: any WellKnownFetching
    private let srvLookup: any SRVLookup
    private let nowMs: @Sendable () -> Int64
    private let random: @Sendable (ClosedRange<Int>) -> Int
    private let logger: Logger
    private var results: LRUCache<String, Resolution>
    private var wellKnown: LRUCache<String, WellKnownCacheEntry>
    private var inFlight: [String: Task<Resolution, any Error>] = [:]

    /// - Parameters:
    ///   - cacheCapacity: server names (and, separately, `.well-known` hosts) kept at most.
    ///   - nowMs: wall-clock milliseconds since the epoch (compared with `Expires` headers).
    ///   - random: a uniform integer in the range, for SRV weights and cache-period jitter.
    public init(wellKnownFetcher: any WellKnownFetching, srvLookup: any SRVLookup = ResolvSRVLookup(),
                cacheCapacity: Int = 1024, nowMs: @escaping @Sendable () -> Int64 = ServerResolver.systemNowMs,
                random: @escaping @Sendable (ClosedRange<Int>) -> Int = { Int.random(in: $0) },
                logger: Logger = Logger(label: "myelin.federation.resolver")) {
        self.wellKnownFetcher = wellKnownFetcher
        self.srvLookup = srvLookup
        self.nowMs = nowMs
        self.random = random
        self.logger = logger
        results = LRUCache(capacity: cacheCapacity)
        wellKnown = LRUCache(capacity: cacheCapacity)
    }

    /// The real thing: `.well-known` through `client` (which must reach public addresses and trust
    /// the system CAs, like federation requests), SRV through the system resolver.
    public init(httpClient: HTTPClient, cacheCapacity: Int = 1024,
                logger: Logger = Logger(label: "myelin.federation.resolver")) {
        self.init(wellKnownFetcher: HTTPWellKnownFetcher(client: httpClient), srvLookup: ResolvSRVLookup(),
                  cacheCapacity: cacheCapacity, logger: logger)
    }

    public func resolve(_ serverName: String) async throws -> ResolvedServer {
        let name: ServerName
        do {
            name = try ServerName(parsing: serverName)
        } catch {
            throw FederationError.unresolvable(serverName, error.description)
        }
        switch name.host {
        case .ipv4(let address), .ipv6(let address):
            // 1. An IP literal: that address, its port or 8448; the certificate must name the address.
            return ResolvedServer(tlsName: address, connectHost: address, port: name.port ?? Self.defaultPort,
                                  hostHeader: serverName)
        case .dns(let host):
            if let port = name.port {
                // 2. A host name with a port: its A/AAAA records, that port, the host name's certificate.
                let host = Self.normalized(host)
                return ResolvedServer(tlsName: host, connectHost: host, port: port, hostHeader: serverName)
            }
            return try await discover(serverName, host: host)
        }
    }

    /// Steps 3 to 6, from the cache or shared with a lookup already running for the same name.
    private func discover(_ serverName: String, host: String) async throws -> ResolvedServer {
        if let cached = results.value(for: serverName), nowMs() < cached.expiresAtMs { return cached.server }
        if let running = inFlight[serverName] { return try await running.value.server }
        // Unstructured, so one caller's cancellation does not fail the others sharing it.
        let task = Task { try await self.lookUp(serverName, host: host) }
        inFlight[serverName] = task
        defer { inFlight[serverName] = nil }
        let resolution = try await task.value
        results.set(resolution, for: serverName)
        logger.debug("resolved server name", metadata: ["server": "\(serverName)", "to": "\(resolution.server)"])
        return resolution.server
    }

    private func lookUp(_ serverName: String, host: String) async throws -> Resolution {
        // 3. Delegation through .well-known, as far as it is cached or can be fetched now.
        let delegation = await wellKnownDelegation(for: Self.normalized(host))
        let usableUntil = delegation.refreshAtMs
        guard let delegated = delegation.delegatedServer else {
            // 4–6: no valid .well-known; SRV records of the server name's own host, then port 8448.
            return try await viaSRV(serverName, hostName: host, usableUntil: usableUntil)
        }
        switch delegated.host {
        case .ipv4(let address), .ipv6(let address):
            // 3.1: the Host header is the IP literal, with the port if m.server gave one.
            let server = ResolvedServer(tlsName: address, connectHost: address, port: delegated.port ?? Self.defaultPort,
                                        hostHeader: delegated.description)
            return Resolution(server: server, expiresAtMs: usableUntil)
        case .dns(let delegatedHost):
            if let port = delegated.port {
                // 3.2: Host is `<delegated_hostname>:<delegated_port>`, the certificate the delegated name's.
                let name = Self.normalized(delegatedHost)
                let server = ResolvedServer(tlsName: name, connectHost: name, port: port,
                                            hostHeader: delegated.description)
                return Resolution(server: server, expiresAtMs: usableUntil)
            }
            // 3.3–3.5: as 4–6, for the delegated host name.
            return try await viaSRV(serverName, hostName: delegatedHost, usableUntil: usableUntil)
        }
    }

    /// `_matrix-fed._tcp`, then the deprecated `_matrix._tcp`, then port 8448. Whatever the SRV target,
    /// Host and the certificate are `hostName`'s (DNS is not trusted to delegate; TLS must prove it).
    private func viaSRV(_ serverName: String, hostName: String, usableUntil: Int64) async throws -> Resolution {
        let name = Self.normalized(hostName)
        for service in ["_matrix-fed._tcp.", "_matrix._tcp."] {
            let records: [SRVRecord]
            do {
                records = try await srvLookup.lookup(service + name)
            } catch {
                // Synapse also gives up on a lookup that failed (rather than found nothing).
                throw FederationError.unresolvable(serverName, "\(error)")
            }
            guard !records.isEmpty else { continue }
            guard let chosen = SRVSelection.choose(records, random: random) else {
                // RFC 2782's "decidedly not available"; Synapse too fails here rather than trying 8448.
                throw FederationError.unresolvable(serverName, "\(service)\(name) says there is no such service")
            }
            let ttlMs = Int64(records.map(\.ttlSeconds).min() ?? 0) * 1000
            let keptMs = min(max(ttlMs, Self.srvMinCacheMs), Self.srvMaxCacheMs)
            let server = ResolvedServer(tlsName: name, connectHost: Self.normalized(chosen.target), port: chosen.port,
                                        hostHeader: hostName)
            return Resolution(server: server, expiresAtMs: min(usableUntil, nowMs() + keptMs))
        }
        let server = ResolvedServer(tlsName: name, connectHost: name, port: Self.defaultPort, hostHeader: hostName)
        return Resolution(server: server, expiresAtMs: min(usableUntil, nowMs() + Self.noSRVCacheMs))
    }

    // MARK: .well-known

    /// The host's delegation: cached, or fetched now (and cached per `WellKnownCachePolicy`).
    private func wellKnownDelegation(for host: String) async -> WellKnownCacheEntry {
        let cached = wellKnown.value(for: host)
        if let cached, nowMs() < cached.refreshAtMs { return cached }
        let outcome = await fetchWellKnown(host)
        let now = nowMs()
        let entry: WellKnownCacheEntry
        switch outcome {
        case .delegated(let server, let periodMs):
            let refreshInMs = Int64(Double(periodMs) * (1 - WellKnownCachePolicy.refreshFraction))
            entry = WellKnownCacheEntry(delegatedServer: server, refreshAtMs: now + refreshInMs,
                                        expiresAtMs: now + periodMs,
                                        hadValidUntilMs: now + periodMs + WellKnownCachePolicy.rememberValidMs)
        case .failed(let document):
            if case .unavailable = document, var kept = cached, kept.delegatedServer != nil, now < kept.expiresAtMs {
                // The host is down while its last valid answer still holds: keep using that, as
                // Synapse does, and look again after a short while (Synapse looks on every request).
                kept.refreshAtMs = min(kept.expiresAtMs, now + WellKnownCachePolicy.jittered(
                    WellKnownCachePolicy.downMs, random: random))
                entry = kept
            } else {
                let hadValid = cached?.hadValidUntilMs.map { now < $0 } ?? false
                let periodMs = WellKnownCachePolicy.jittered(
                    hadValid ? WellKnownCachePolicy.downMs : WellKnownCachePolicy.invalidMs, random: random)
                entry = WellKnownCacheEntry(delegatedServer: nil, refreshAtMs: now + periodMs, expiresAtMs: now + periodMs,
                                            hadValidUntilMs: cached?.hadValidUntilMs)
            }
        }
        wellKnown.set(entry, for: host)
        return entry
    }

    private enum FetchOutcome {
        case delegated(ServerName, periodMs: Int64)
        /// `.invalid` or `.unavailable`.
        case failed(WellKnownDocument.Outcome)
    }

    private func fetchWellKnown(_ host: String) async -> FetchOutcome {
        let response: WellKnownResponse
        do {
            response = try await wellKnownFetcher.fetch(host)
        } catch {
            logger.debug("no .well-known answer", metadata: ["host": "\(host)", "error": "\(error)"])
            return .failed(.unavailable("\(error)"))
        }
        let document = WellKnownDocument.interpret(response)
        guard case .delegated(let server) = document else {
            logger.debug("no valid .well-known", metadata: ["host": "\(host)", "outcome": "\(document)"])
            return .failed(document)
        }
        let periodMs = WellKnownCachePolicy.validPeriodMs(cacheControl: response.cacheControl, expires: response.expires,
                                                          nowMs: nowMs(), random: random)
        return .delegated(server, periodMs: periodMs)
    }

    // MARK: Helpers

    /// Lowercased, without a trailing dot: DNS names compare case-insensitively.
    static func normalized(_ host: String) -> String {
        let lowered = host.lowercased()
        return lowered.hasSuffix(".") && lowered.count > 1 ? String(lowered.dropLast()) : lowered
    }

    /// Wall-clock milliseconds since the Unix epoch.
    public static let systemNowMs: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
