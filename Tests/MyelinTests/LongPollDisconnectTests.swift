import Foundation
import MatrixCore
import MyelinTestSupport
import Testing

/// A long-poll whose client has gone is released at once, not at its timeout: reconnecting clients do
/// not pile up waiters.
@Suite struct LongPollDisconnectTests {
    /// Waits (bounded) until the notifier holds `count` waiting requests.
    private func waitFor(_ count: Int, _ server: TestServer) async throws -> Bool {
        let notifier = server.running.homeserver.services.sync.notifier
        for _ in 0..<500 {
            if await notifier.waitingCount == count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    private func request(_ method: String, _ path: String, token: String, body: String = "") -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test func aSyncLongPollEndsWhenItsClientCloses() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await server.createRoom(alice)
            let first = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let since = try #require(first.json["next_batch"]?.stringValue)
            let port = try #require(URL(string: server.client.baseURL)?.port)
            var clients: [RawTCPClient] = []
            for _ in 0..<3 {
                let client = try RawTCPClient(port: port)
                try client.send(request("GET", "/_matrix/client/v3/sync?timeout=120000&since=\(since)",
                                        token: alice.accessToken))
                clients.append(client)
            }
            #expect(try await waitFor(3, server))
            clients[0].close()
            #expect(try await waitFor(2, server))
            for client in clients { client.close() }
            #expect(try await waitFor(0, server))
            // The server still answers, and a new long-poll works as before.
            let after = try await server.client.get("/_matrix/client/v3/sync?since=\(since)&timeout=0",
                                                    token: alice.accessToken)
            #expect(after.status == 200)
        }
    }

    @Test func aSlidingSyncLongPollEndsWhenItsClientCloses() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await server.createRoom(alice)
            let first = try await server.slidingSync(alice, ["lists": ["all": TestServer.slidingList()]])
            let pos = try #require(first.json["pos"]?.stringValue)
            let port = try #require(URL(string: server.client.baseURL)?.port)
            let client = try RawTCPClient(port: port)
            let body = #"{"lists": {"all": {"ranges": [[0, 19]], "timeline_limit": 5, "required_state": [["m.room.create", ""]]}}}"#
            try client.send(request("POST", TestServer.slidingSyncPath + "?timeout=120000&pos=\(TestServer.queryValue(pos))",
                                    token: alice.accessToken, body: body))
            #expect(try await waitFor(1, server))
            client.close()
            #expect(try await waitFor(0, server))
        }
    }
}
