import MyelinHTTPClient
import NIOCore
import NIOHTTP1
import Testing

@Suite(.serialized)
struct ConnectionPoolTests {
    @Test func sequentialRequestsShareOneConnection() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let base = "https://localhost:\(peer.port)"
        for _ in 0..<3 { _ = try await client.execute(.init(url: base + "/ok")) }
        let seen = try await stats(client, base)
        #expect(seen.connections == 1)
        await client.shutdown()
    }

    @Test func connectionCloseIsNotReused() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        let closing = try await client.execute(.init(url: base + "/close"))
        #expect(closing.body.text == "closing")
        _ = try await client.execute(.init(url: base + "/ok"))
        let seen = try await stats(client, base)
        #expect(seen.connections == 2)
    }

    @Test func concurrentRequestsStayWithinTheCap() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient { $0.maxConnectionsPerDestination = 2 }
        let base = "https://localhost:\(peer.port)"
        let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for _ in 0..<6 {
                group.addTask { try await client.execute(.init(url: base + "/slow?delay=0.2")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: .ok, count: 6))
        let seen = try await stats(client, base)
        #expect(seen.connections == 2)
        #expect(seen.max_active <= 2)
    }

    @Test func aStreamedBodyReadToTheEndReturnsItsConnection() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        let response = try await client.stream(.init(url: base + "/big?n=300000"))
        let body = try await response.body.collect()
        #expect(body.readableBytes == 300_000)
        let seen = try await stats(client, base)
        #expect(seen.connections == 1)
    }

    @Test func anAbandonedStreamClosesItsConnection() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        do {
            let response = try await client.stream(.init(url: base + "/big?n=2000000"))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
        }
        let after = try await client.execute(.init(url: base + "/ok"))
        #expect(after.body.text == "ok")
        let seen = try await stats(client, base)
        #expect(seen.connections == 2)
    }

    @Test func aConnectionTheServerDroppedIsNotReused() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        #expect(try await client.execute(.init(url: base + "/drop")).body.text == "dropped")
        // Whether the close is seen before or during the next request, the request succeeds.
        #expect(try await client.execute(.init(url: base + "/ok")).body.text == "ok")
        #expect(try await stats(client, base).connections == 2)
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient { $0.idleConnectionTimeout = .milliseconds(200) }
        let base = "http://127.0.0.1:\(peer.port)"
        _ = try await client.execute(.init(url: base + "/ok"))
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await stats(client, base).connections == 2)
    }

    @Test func waitingForAFullPoolCountsAgainstTheTotalTimeout() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient { $0.maxConnectionsPerDestination = 1 }
        let base = "http://127.0.0.1:\(peer.port)"
        async let slow = client.execute(.init(url: base + "/slow?delay=1.5"))
        try await Task.sleep(for: .milliseconds(200))
        let error = await clientError { _ = try await client.execute(.init(url: base + "/ok", timeout: .milliseconds(300))) }
        #expect(error?.kind == "totalTimeout", "\(String(describing: error))")
        #expect(try await slow.status == .ok)
        // The waiter that gave up left the pool usable.
        #expect(try await client.execute(.init(url: base + "/ok")).body.text == "ok")
        #expect(try await stats(client, base).connections == 1)
    }

    @Test func aSlowStreamConsumerHoldsTheServerBack() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let observer = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        let size = 64 * 1024 * 1024
        let response = try await client.stream(.init(url: base + "/big?n=\(size)", maxResponseBodyBytes: size))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        try await Task.sleep(for: .milliseconds(500))
        // Only socket buffers and a few chunks in the stream can be ahead of the consumer.
        let sent = try await stats(observer, base).big_sent
        #expect(sent < size / 2, "\(sent) bytes sent while the consumer waited")
        var received = 0
        while let chunk = try await iterator.next() { received += chunk.readableBytes }
        #expect(received > size - 16 * 1024 * 1024)
    }
}
