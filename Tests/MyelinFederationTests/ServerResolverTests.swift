import MatrixCore
@testable import MyelinFederation
import MyelinHTTPClient
import NIOCore
import Testing

/// Every branch of the spec's "Resolving server names", with fake SRV and `.well-known` answers and a
/// hand-moved clock; then the caches; then the pieces (SRV choice, HTTP dates, cache headers, the LRU
/// map) and the real libresolv lookup.
@Suite struct ServerResolverTests {
    func expectServer(_ server: ResolvedServer, tls: String, connect: String, port: Int, host: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(server == ResolvedServer(tlsName: tls, connectHost: connect, port: port, hostHeader: host),
                sourceLocation: sourceLocation)
    }

    // MARK: 1–2: no lookups

    @Test func ipv4LiteralWithAndWithoutPort() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup()
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("192.0.2.1"), tls: "192.0.2.1", connect: "192.0.2.1", port: 8448,
                     host: "192.0.2.1")
        expectServer(try await resolver.resolve("192.0.2.1:443"), tls: "192.0.2.1", connect: "192.0.2.1", port: 443,
                     host: "192.0.2.1:443")
        #expect(await wellKnown.fetches.isEmpty)
        #expect(await lookups.queries.isEmpty)
    }

    @Test func ipv6LiteralWithAndWithoutPort() async throws {
        let wellKnown = FakeWellKnown()
        let resolver = makeResolver(wellKnown: wellKnown)
        let bare = try await resolver.resolve("[2001:db8::1]")
        expectServer(bare, tls: "2001:db8::1", connect: "2001:db8::1", port: 8448, host: "[2001:db8::1]")
        #expect(bare.url("/_matrix/key/v2/server") == "https://[2001:db8::1]/_matrix/key/v2/server")
        expectServer(try await resolver.resolve("[2001:db8::1]:8449"), tls: "2001:db8::1", connect: "2001:db8::1",
                     port: 8449, host: "[2001:db8::1]:8449")
        #expect(await wellKnown.fetches.isEmpty)
    }

    @Test func hostNameWithExplicitPort() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup()
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("Example.org:8449"), tls: "example.org", connect: "example.org",
                     port: 8449, host: "Example.org:8449")
        #expect(await wellKnown.fetches.isEmpty)
        #expect(await lookups.queries.isEmpty)
    }

    @Test func invalidServerNamesAreUnresolvable() async throws {
        let resolver = makeResolver()
        for name in ["", "exa mple.org", "example.org:0x1", "[::1", "example.org:99999"] {
            let error = await resolutionError { _ = try await resolver.resolve(name) }
            guard case .unresolvable(let server, _)? = error else {
                Issue.record("\(name): \(String(describing: error))")
                continue
            }
            #expect(server == name)
        }
    }

    // MARK: 3: .well-known delegation

    @Test func wellKnownToAnIPLiteral() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup()
        await wellKnown.delegate("example.org", to: "192.0.2.7")
        await wellKnown.delegate("v6.example.org", to: "[2001:db8::2]:8450")
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "192.0.2.7", connect: "192.0.2.7", port: 8448,
                     host: "192.0.2.7")
        expectServer(try await resolver.resolve("v6.example.org"), tls: "2001:db8::2", connect: "2001:db8::2",
                     port: 8450, host: "[2001:db8::2]:8450")
        #expect(await lookups.queries.isEmpty)
    }

    @Test func wellKnownToAHostWithPort() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.matrix.example.org": [srv("ignored.example.net", 1)]])
        await wellKnown.delegate("example.org", to: "Matrix.example.org:443")
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "matrix.example.org",
                     connect: "matrix.example.org", port: 443, host: "Matrix.example.org:443")
        #expect(await lookups.queries.isEmpty)
    }

    @Test func wellKnownToAHostWithMatrixFedSRV() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.matrix.example.org": [srv("fed.example.net.", 8443)],
                                     "_matrix._tcp.matrix.example.org": [srv("old.example.net", 1)]])
        await wellKnown.delegate("example.org", to: "matrix.example.org")
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        // Connect to the SRV target; Host and the certificate stay the delegated name.
        expectServer(try await resolver.resolve("example.org"), tls: "matrix.example.org",
                     connect: "fed.example.net", port: 8443, host: "matrix.example.org")
        #expect(await lookups.queries == ["_matrix-fed._tcp.matrix.example.org"])
    }

    @Test func wellKnownToAHostWithOnlyTheDeprecatedSRV() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup(["_matrix._tcp.matrix.example.org": [srv("old.example.net", 8009)]])
        await wellKnown.delegate("example.org", to: "matrix.example.org")
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "matrix.example.org",
                     connect: "old.example.net", port: 8009, host: "matrix.example.org")
        #expect(await lookups.queries == ["_matrix-fed._tcp.matrix.example.org", "_matrix._tcp.matrix.example.org"])
    }

    @Test func wellKnownToAHostWithoutSRV() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": [srv("not-this.example.net", 1)]])
        await wellKnown.delegate("example.org", to: "matrix.example.org")
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        // The server name's own SRV records do not matter once .well-known delegated.
        expectServer(try await resolver.resolve("example.org"), tls: "matrix.example.org",
                     connect: "matrix.example.org", port: 8448, host: "matrix.example.org")
        #expect(await lookups.queries == ["_matrix-fed._tcp.matrix.example.org", "_matrix._tcp.matrix.example.org"])
    }

    /// Answers that are not a valid `.well-known` document (named, so test output stays short).
    enum InvalidWellKnown: String, CaseIterable, Sendable {
        case notJSON, array, noMServer, mServerNotAString, mServerNotAServerName, emptyMServer, notFound,
             redirectNotFollowed, serverError, tooLarge

        var response: WellKnownResponse {
            func ok(_ body: String) -> WellKnownResponse { WellKnownResponse(status: 200, body: Array(body.utf8)) }
            let valid = #"{"m.server": "matrix.example.org"}"#
            switch self {
            case .notJSON: return ok("{m.server: x")
            case .array: return ok(#"["matrix.example.org"]"#)
            case .noMServer: return ok(#"{"m.homeserver": "x.org"}"#)
            case .mServerNotAString: return ok(#"{"m.server": 8448}"#)
            case .mServerNotAServerName: return ok(#"{"m.server": "bad name:1"}"#)
            case .emptyMServer: return ok(#"{"m.server": ""}"#)
            case .notFound: return WellKnownResponse(status: 404, body: Array(valid.utf8))
            case .redirectNotFollowed: return WellKnownResponse(status: 302, body: [])
            case .serverError: return WellKnownResponse(status: 503, body: Array(valid.utf8))
            case .tooLarge: return ok(#"{"m.server": "matrix.example.org", "pad": ""# + String(repeating: "x", count: 60 * 1024) + #""}"#)
            }
        }
    }

    @Test(arguments: InvalidWellKnown.allCases)
    func invalidWellKnownFallsBackToSRV(_ answer: InvalidWellKnown) async throws {
        let wellKnown = FakeWellKnown()
        await wellKnown.set("example.org", .response(answer.response))
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": [srv("fed.example.net", 8443)]])
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "example.org", connect: "fed.example.net",
                     port: 8443, host: "example.org")
    }

    @Test func unreachableWellKnownFallsBackToSRV() async throws {
        let wellKnown = FakeWellKnown()
        await wellKnown.set("example.org", .failure("connection refused"))
        let resolver = makeResolver(wellKnown: wellKnown)
        expectServer(try await resolver.resolve("example.org"), tls: "example.org", connect: "example.org",
                     port: 8448, host: "example.org")
    }

    // MARK: 4–6: no delegation

    @Test func matrixFedSRVOfTheServerName() async throws {
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": [srv("fed.example.net", 8443)]])
        let resolver = makeResolver(srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "example.org", connect: "fed.example.net",
                     port: 8443, host: "example.org")
        #expect(await lookups.queries == ["_matrix-fed._tcp.example.org"])
    }

    @Test func deprecatedMatrixSRVOfTheServerName() async throws {
        let lookups = FakeSRVLookup(["_matrix._tcp.example.org": [srv("old.example.net", 8009)]])
        let resolver = makeResolver(srv: lookups)
        expectServer(try await resolver.resolve("example.org"), tls: "example.org", connect: "old.example.net",
                     port: 8009, host: "example.org")
        #expect(await lookups.queries == ["_matrix-fed._tcp.example.org", "_matrix._tcp.example.org"])
    }

    @Test func port8448WhenNothingElse() async throws {
        let resolver = makeResolver()
        expectServer(try await resolver.resolve("example.org"), tls: "example.org", connect: "example.org",
                     port: 8448, host: "example.org")
    }

    // MARK: SRV answers

    @Test func srvPicksTheLowestPriorityThenByWeight() async throws {
        let records = [srv("far.example.net", 1, priority: 20, weight: 1000),
                       srv("zero.example.net", 2, priority: 10, weight: 0),
                       srv("light.example.net", 3, priority: 10, weight: 30),
                       srv("heavy.example.net", 4, priority: 10, weight: 70)]
        // Draws 1...30 land on the weight-30 record, 31...100 on the weight-70 one; weight 0 never wins.
        #expect(SRVSelection.choose(records) { _ in 1 }?.target == "light.example.net")
        #expect(SRVSelection.choose(records) { _ in 30 }?.target == "light.example.net")
        #expect(SRVSelection.choose(records) { _ in 31 }?.target == "heavy.example.net")
        #expect(SRVSelection.choose(records) { $0.upperBound }?.target == "heavy.example.net")
        var ranges: [ClosedRange<Int>] = []
        _ = SRVSelection.choose(records) { ranges.append($0); return $0.lowerBound }
        #expect(ranges == [1...100])
        // All weights zero: a uniform pick among the best priority.
        let unweighted = [srv("a.example.net", 1, priority: 5), srv("b.example.net", 2, priority: 5),
                          srv("c.example.net", 3, priority: 6)]
        #expect(SRVSelection.choose(unweighted) { $0.upperBound }?.target == "b.example.net")
        #expect(SRVSelection.choose(unweighted) { $0.lowerBound }?.target == "a.example.net")

        // Through the resolver, with the draw at its top.
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": records])
        let resolver = makeResolver(srv: lookups, random: { $0.upperBound })
        #expect(try await resolver.resolve("example.org").connectHost == "heavy.example.net")
    }

    @Test func aDotTargetMeansNoService() async throws {
        #expect(SRVSelection.choose([srv(".", 0)]) { $0.lowerBound } == nil)
        // Alongside real targets, "." and port 0 are skipped.
        let mixed = [srv(".", 0, priority: 1), srv("ok.example.net", 8443, priority: 5), srv("zero.example.net", 0)]
        #expect(SRVSelection.choose(mixed) { $0.lowerBound }?.target == "ok.example.net")

        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": [srv(".", 0)],
                                     "_matrix._tcp.example.org": [srv("old.example.net", 8009)]])
        let resolver = makeResolver(srv: lookups)
        let error = await resolutionError { _ = try await resolver.resolve("example.org") }
        guard case .unresolvable("example.org", let reason)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("no such service"))
        // Decidedly not available: neither the deprecated record nor port 8448 is tried.
        #expect(await lookups.queries == ["_matrix-fed._tcp.example.org"])
    }

    @Test func aFailedSRVLookupIsUnresolvable() async throws {
        let lookups = FakeSRVLookup()
        await lookups.fail("_matrix-fed._tcp.example.org", .timedOut(name: "_matrix-fed._tcp.example.org"))
        let resolver = makeResolver(srv: lookups)
        let error = await resolutionError { _ = try await resolver.resolve("example.org") }
        guard case .unresolvable("example.org", let reason)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(reason.contains("timed out"))
    }

    // MARK: Caching

    @Test func wellKnownIsCachedForItsMaxAgeThenFetchedAgain() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        await wellKnown.delegate("example.org", to: "matrix.example.org:443", cacheControl: "public, max-age=3600")
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        _ = try await resolver.resolve("example.org")
        clock.advance(minutes: 30)
        _ = try await resolver.resolve("example.org")
        #expect(await wellKnown.fetchCount("example.org") == 1)
        // The answer changes; it is seen once the old one is due again.
        await wellKnown.delegate("example.org", to: "other.example.org:443", cacheControl: "max-age=3600")
        clock.advance(minutes: 31)
        #expect(try await resolver.resolve("example.org").connectHost == "other.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
    }

    @Test func wellKnownWithoutCacheHeadersIsKeptADay() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        await wellKnown.delegate("example.org", to: "matrix.example.org:443")
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        _ = try await resolver.resolve("example.org")
        clock.advance(hours: 12)
        _ = try await resolver.resolve("example.org")
        #expect(await wellKnown.fetchCount("example.org") == 1)
        clock.advance(hours: 15) // 27 h: past 24 h even with +10% jitter
        _ = try await resolver.resolve("example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
    }

    @Test func wellKnownHonoursExpiresAndBoundsWhatHeadersAsk() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        // Two hours after the test clock's start.
        await wellKnown.delegate("expires.org", to: "m.expires.org:443", expires: "Wed, 15 Nov 2023 00:13:20 GMT")
        await wellKnown.delegate("short.org", to: "m.short.org:443", cacheControl: "max-age=60")
        await wellKnown.delegate("nostore.org", to: "m.nostore.org:443", cacheControl: "no-store")
        await wellKnown.delegate("long.org", to: "m.long.org:443", cacheControl: "max-age=99999999999999999999")
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        let hosts = ["expires.org", "short.org", "nostore.org", "long.org"]
        func fetchCounts() async -> [Int] {
            var counts: [Int] = []
            for host in hosts { counts.append(await wellKnown.fetchCount(host)) }
            return counts
        }
        func resolveAll() async throws {
            for host in hosts { _ = try await resolver.resolve(host) }
        }
        try await resolveAll()
        // 60 s and no-store are raised to the 5-minute floor.
        clock.advance(minutes: 3)
        try await resolveAll()
        #expect(await fetchCounts() == [1, 1, 1, 1])
        clock.advance(minutes: 3)
        try await resolveAll()
        #expect(await fetchCounts() == [1, 2, 2, 1])
        clock.advance(minutes: 60) // 66 min
        try await resolveAll()
        #expect(await fetchCounts()[0] == 1)
        clock.advance(minutes: 60) // 126 min: past Expires
        try await resolveAll()
        #expect(await fetchCounts()[0] == 2)
        // An absurd max-age is capped at 48 h (so fetched again from 80% of that on).
        #expect(await fetchCounts()[3] == 1)
        clock.advance(hours: 38)
        try await resolveAll()
        #expect(await fetchCounts()[3] == 2)
    }

    @Test func aFailureIsCachedForAnHour() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        _ = try await resolver.resolve("example.org") // 404
        await wellKnown.delegate("example.org", to: "matrix.example.org:443")
        clock.advance(minutes: 50)
        #expect(try await resolver.resolve("example.org").connectHost == "example.org")
        #expect(await wellKnown.fetchCount("example.org") == 1)
        clock.advance(minutes: 20) // 70 min: past an hour even with +10% jitter
        #expect(try await resolver.resolve("example.org").connectHost == "matrix.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
    }

    @Test func aFailureAfterAValidAnswerIsCachedBriefly() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        await wellKnown.delegate("example.org", to: "matrix.example.org:443", cacheControl: "max-age=600")
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        _ = try await resolver.resolve("example.org")
        await wellKnown.set("example.org", .failure("connection refused"))
        clock.advance(minutes: 11) // the valid answer has expired
        #expect(try await resolver.resolve("example.org").connectHost == "example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
        // The host had a valid answer lately: its failure is kept two minutes, not an hour.
        await wellKnown.delegate("example.org", to: "matrix.example.org:443", cacheControl: "max-age=600")
        clock.advance(minutes: 1)
        #expect(try await resolver.resolve("example.org").connectHost == "example.org")
        clock.advance(minutes: 2)
        #expect(try await resolver.resolve("example.org").connectHost == "matrix.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 3)
    }

    @Test func aValidAnswerOutlivesAnOutageNearItsExpiry() async throws {
        let wellKnown = FakeWellKnown()
        let clock = ResolverClock()
        await wellKnown.delegate("example.org", to: "matrix.example.org:443", cacheControl: "max-age=3600")
        let resolver = makeResolver(wellKnown: wellKnown, clock: clock)
        _ = try await resolver.resolve("example.org")
        await wellKnown.set("example.org", .failure("connection timed out"))
        // In the last fifth of its life the answer is fetched again; the host being down does not lose it.
        clock.advance(minutes: 50)
        #expect(try await resolver.resolve("example.org").connectHost == "matrix.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
        clock.advance(minutes: 1)
        #expect(try await resolver.resolve("example.org").connectHost == "matrix.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 2)
        clock.advance(minutes: 2)
        #expect(try await resolver.resolve("example.org").connectHost == "matrix.example.org")
        #expect(await wellKnown.fetchCount("example.org") == 3)
        // Past its expiry it is gone.
        clock.advance(minutes: 10)
        #expect(try await resolver.resolve("example.org").connectHost == "example.org")
    }

    @Test func srvResultsAreCachedForTheirTTL() async throws {
        let lookups = FakeSRVLookup(["_matrix-fed._tcp.example.org": [srv("fed.example.net", 8443, ttl: 300)]])
        let clock = ResolverClock()
        let resolver = makeResolver(srv: lookups, clock: clock)
        _ = try await resolver.resolve("example.org")
        clock.advance(minutes: 4)
        _ = try await resolver.resolve("example.org")
        #expect(await lookups.queries.count == 1)
        clock.advance(minutes: 2)
        _ = try await resolver.resolve("example.org")
        #expect(await lookups.queries.count == 2)
    }

    @Test func theCacheIsBoundedAndEvictsTheLeastRecentlyUsed() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup()
        // Each resolution that is not a cache hit asks for the delegated host's SRV records.
        for host in ["a.org", "b.org", "c.org"] { await wellKnown.delegate(host, to: "m.\(host)") }
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups, capacity: 2)
        _ = try await resolver.resolve("a.org")
        _ = try await resolver.resolve("b.org")
        _ = try await resolver.resolve("a.org") // a is now the most recently used
        _ = try await resolver.resolve("c.org") // evicts b
        _ = try await resolver.resolve("a.org")
        #expect(await lookups.count("_matrix-fed._tcp.m.a.org") == 1)
        _ = try await resolver.resolve("b.org")
        #expect(await lookups.count("_matrix-fed._tcp.m.b.org") == 2)
    }

    @Test func concurrentCallersShareOneLookup() async throws {
        let wellKnown = FakeWellKnown()
        let lookups = FakeSRVLookup()
        await wellKnown.delegate("example.org", to: "matrix.example.org")
        await wellKnown.closeGate()
        let resolver = makeResolver(wellKnown: wellKnown, srv: lookups)
        let results = try await withThrowingTaskGroup(of: ResolvedServer.self) { group in
            for _ in 0..<20 { group.addTask { try await resolver.resolve("example.org") } }
            // Hold the one fetch until every caller has had a chance to arrive.
            while await wellKnown.fetchCount("example.org") == 0 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(100))
            await wellKnown.openGate()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(Set(results).count == 1)
        #expect(await wellKnown.fetchCount("example.org") == 1)
        #expect(await lookups.queries.count == 2)
    }

    // MARK: Pieces

    @Test func requestsCarryTheRoute() throws {
        let server = ResolvedServer(tlsName: "matrix.example.org", connectHost: "fed.example.net", port: 8443,
                                    hostHeader: "matrix.example.org")
        let request = server.request(.PUT, pathAndQuery: "/_matrix/federation/v1/send/1", body: ByteBuffer(string: "{}"))
        #expect(request.url == "https://matrix.example.org/_matrix/federation/v1/send/1")
        #expect(request.connectTo == HTTPClientEndpoint(host: "fed.example.net", port: 8443))
        #expect(request.hostHeader == "matrix.example.org")
        #expect(request.method == .PUT)
    }

    @Test func parsesHTTPDates() {
        let expected: Int64 = 784_111_777_000
        #expect(HTTPDate.parseMs("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parseMs("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parseMs("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parseMs("Wed, 15 Nov 2023 00:13:20 GMT") == ResolverClock.start + 2 * 3_600_000)
        #expect(HTTPDate.parseMs("Thu, 29 Feb 2024 00:00:00 GMT") == 1_709_164_800_000)
        for bad in ["0", "", "-1", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT",
                    "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT"] {
            #expect(HTTPDate.parseMs(bad) == nil, "\(bad)")
        }
    }

    @Test func readsCacheHeaders() {
        let now = ResolverClock.start
        func period(_ cacheControl: String?, _ expires: String? = nil) -> Int64? {
            WellKnownCachePolicy.headerPeriodMs(cacheControl: cacheControl, expires: expires, nowMs: now)
        }
        #expect(period(nil) == nil)
        #expect(period("public") == nil)
        #expect(period("max-age=600") == 600_000)
        #expect(period("public, MAX-AGE = \"1200\"") == 1_200_000)
        #expect(period("max-age=600, no-store") == 0)
        #expect(period("max-age=junk", "Wed, 15 Nov 2023 00:13:20 GMT") == 7_200_000)
        #expect(period(nil, "0") == 0)
        #expect(period("max-age=100", "Wed, 15 Nov 2023 00:13:20 GMT") == 100_000)
    }

    @Test func lruMapKeepsTheMostRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 3)
        for (index, key) in ["a", "b", "c"].enumerated() { cache.set(index, for: key) }
        #expect(cache.value(for: "a") == 0)
        cache.set(3, for: "d") // evicts b
        #expect(cache.peek("b") == nil && cache.count == 3)
        cache.set(30, for: "c") // an update refreshes c
        cache.set(4, for: "e") // evicts a: c's update made it newer than a
        #expect(cache.peek("a") == nil)
        #expect(cache.peek("c") == 30 && cache.peek("d") == 3 && cache.peek("e") == 4)
        cache.removeValue(for: "d")
        cache.set(5, for: "f")
        cache.set(6, for: "g") // evicts c
        #expect(cache.peek("c") == nil && cache.count == 3)
        #expect(cache.value(for: "e") == 4 && cache.value(for: "f") == 5 && cache.value(for: "g") == 6)
    }

    // MARK: The real SRV lookup

    /// Whatever the network here (none, or a resolver that answers), a name under `.invalid` (RFC 6761)
    /// ends in an empty list or a clear error within the lookup's time limit, never a crash or a hang.
    @Test func realLookupOfANameThatCannotExistEndsCleanly() async throws {
        let lookup = ResolvSRVLookup(timeout: .seconds(3))
        do {
            let records = try await lookup.lookup("_matrix-fed._tcp.myelin-test.invalid")
            #expect(records.isEmpty)
        } catch let error as SRVLookupError {
            #expect(!error.description.isEmpty)
        }
        // No timing assertion (a loaded machine stretches any limit): the lookup's own timer bounds it.
        await #expect(throws: SRVLookupError.self) { _ = try await lookup.lookup("bad name\n.example.org") }
    }

    /// libresolv's parser over a hand-made answer (there are no real SRV records to ask for offline):
    /// name compression, a record of another type to skip, and a "." target.
    @Test func parsesAnSRVAnswerWithLibresolv() throws {
        func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func u32(_ value: Int) -> [UInt8] { u16(value >> 16) + u16(value & 0xFFFF) }
        func labels(_ parts: [String]) -> [UInt8] { parts.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } }
        let question = 12 // the question's name starts right after the header
        let exampleOrg = question + 1 + 11 + 1 + 4 // "example" within "_matrix-fed._tcp.example.org"
        let pointerToQuestion: [UInt8] = [0xC0, UInt8(question)]
        let pointerToExampleOrg: [UInt8] = [0xC0, UInt8(exampleOrg)]
        let fedTarget = labels(["fed"]) + pointerToExampleOrg
        var message = u16(0x1234) + u16(0x8180) + u16(1) + u16(3) + u16(0) + u16(0)
        message += labels(["_matrix-fed", "_tcp", "example", "org"]) + [0] + u16(33) + u16(1)
        message += pointerToQuestion + u16(33) + u16(1) + u32(300) + u16(6 + fedTarget.count)
            + u16(10) + u16(60) + u16(8443) + fedTarget
        message += pointerToQuestion + u16(5) + u16(1) + u32(60) + u16(2) + pointerToExampleOrg
        message += pointerToQuestion + u16(33) + u16(1) + u32(120) + u16(7) + u16(0) + u16(0) + u16(0) + [0]
        let records = try ResolvSRVLookup.parse(message, length: message.count, name: "_matrix-fed._tcp.example.org")
        #expect(records == [srv("fed.example.org", 8443, priority: 10, weight: 60, ttl: 300),
                            srv(".", 0, priority: 0, weight: 0, ttl: 120)])
        #expect(records[1].isNoService)
        #expect(throws: SRVLookupError.self) {
            try ResolvSRVLookup.parse(message, length: message.count - 5, name: "_matrix-fed._tcp.example.org")
        }
    }
}
