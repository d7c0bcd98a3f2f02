@testable import MyelinFederation
import Synchronization

/// SRV answers by name, and the names asked for, in order.
actor FakeSRVLookup: SRVLookup {
    private var answers: [String: Result<[SRVRecord], SRVLookupError>]
    private(set) var queries: [String] = []

    init(_ answers: [String: [SRVRecord]] = [:]) {
        self.answers = answers.mapValues { .success($0) }
    }

    func fail(_ name: String, _ error: SRVLookupError) {
        answers[name] = .failure(error)
    }

    func count(_ name: String) -> Int { queries.filter { $0 == name }.count }

    func lookup(_ name: String) async throws -> [SRVRecord] {
        queries.append(name)
        return try answers[name]?.get() ?? []
    }
}

/// `.well-known` answers by host (a missing host answers 404), with a count of fetches and an
/// optional gate that holds fetches until opened.
actor FakeWellKnown: WellKnownFetching {
    enum Answer {
        case response(WellKnownResponse)
        case failure(String)
    }

    struct Unreachable: Error, CustomStringConvertible {
        let description: String
    }

    private var answers: [String: Answer] = [:]
    private(set) var fetches: [String: Int] = [:]
    private var gateClosed = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func set(_ host: String, _ answer: Answer) {
        answers[host] = answer
    }

    /// A 200 answer delegating to `server`.
    func delegate(_ host: String, to server: String, cacheControl: String? = nil, expires: String? = nil) {
        answers[host] = .response(WellKnownResponse(status: 200, body: Array(#"{"m.server": "\#(server)"}"#.utf8),
                                                    cacheControl: cacheControl, expires: expires))
    }

    func closeGate() { gateClosed = true }

    func openGate() {
        gateClosed = false
        for continuation in waiting { continuation.resume() }
        waiting = []
    }

    func fetchCount(_ host: String) -> Int { fetches[host] ?? 0 }

    func fetch(_ hostname: String) async throws -> WellKnownResponse {
        fetches[hostname, default: 0] += 1
        if gateClosed { await withCheckedContinuation { waiting.append($0) } }
        switch answers[hostname] {
        case .response(let response)?: return response
        case .failure(let reason)?: throw Unreachable(description: reason)
        case nil: return WellKnownResponse(status: 404, body: Array("not found".utf8))
        }
    }
}

/// A wall clock the test moves by hand.
final class ResolverClock: Sendable {
    private let millis: Atomic<Int64>

    /// Tue, 14 Nov 2023 22:13:20 GMT.
    static let start: Int64 = 1_700_000_000_000

    init(_ start: Int64 = ResolverClock.start) {
        millis = Atomic(start)
    }

    var nowMs: Int64 { millis.load(ordering: .relaxed) }

    func advance(minutes: Double) {
        millis.add(Int64(minutes * 60_000), ordering: .relaxed)
    }

    func advance(hours: Double) { advance(minutes: hours * 60) }
}

/// A resolver over the fakes; `random` defaults to the range's lower bound (jitter −10%).
func makeResolver(wellKnown: FakeWellKnown = FakeWellKnown(), srv: FakeSRVLookup = FakeSRVLookup(),
                  clock: ResolverClock = ResolverClock(), capacity: Int = 100,
                  random: @escaping @Sendable (ClosedRange<Int>) -> Int = { $0.lowerBound }) -> ServerResolver {
    ServerResolver(wellKnownFetcher: wellKnown, srvLookup: srv, cacheCapacity: capacity,
                   nowMs: { clock.nowMs }, random: random)
}

func srv(_ target: String, _ port: Int, priority: Int = 10, weight: Int = 0, ttl: Int = 3600) -> SRVRecord {
    SRVRecord(priority: priority, weight: weight, port: port, target: target, ttlSeconds: ttl)
}

/// The error a resolution failed with, or nil.
func resolutionError(_ body: () async throws -> Void) async -> FederationError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? FederationError
    }
}
