import Foundation
import MyelinHTTPClient
import NIOCore
import Testing

/// Requests per second over one pooled keep-alive HTTPS connection. A measurement, not an assertion
/// (DESIGN.md: performance lives in benchmarks): it runs only with MYELIN_HTTPCLIENT_BENCH=1 and prints.
@Suite(.serialized)
struct ThroughputBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["MYELIN_HTTPCLIENT_BENCH"] == "1"

    @Test(.enabled(if: enabled)) func requestsPerSecondOverOneConnection() async throws {
        let pki = try TestPKI.get()
        let count = Int(ProcessInfo.processInfo.environment["MYELIN_HTTPCLIENT_BENCH_REQUESTS"] ?? "") ?? 2000
        let tls = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let plain = try await PeerProcess.python()
        for (label, base) in [("https", "https://localhost:\(tls.port)"), ("http", "http://127.0.0.1:\(plain.port)")] {
            let client = try makeClient { $0.maxConnectionsPerDestination = 1 }
            _ = try await client.execute(.init(url: base + "/ok")) // connect and handshake outside the timing
            let started = NIODeadline.now()
            for _ in 0..<count { _ = try await client.execute(.init(url: base + "/ok")) }
            let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            let seen = try await stats(client, base)
            print("BENCH \(label): \(count) sequential GET /ok in \(String(format: "%.2f", seconds)) s = " +
                  "\(String(format: "%.0f", Double(count) / seconds)) requests/s over \(seen.connections) connection(s)")
            #expect(seen.connections == 1)
            await client.shutdown()
        }
    }
}
