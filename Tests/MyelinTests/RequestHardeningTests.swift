import Foundation
import MatrixCore
import MyelinServer
import Testing
import MyelinTestSupport

/// What a hostile client can make the server hold: bodies refused from the head, the shared body budget,
/// request deadlines and connection caps, all through real sockets.
@Suite struct RequestHardeningTests {
    private func port(_ server: TestServer) throws -> Int {
        try #require(URL(string: server.client.baseURL)?.port)
    }

    private func head(_ method: String, _ path: String, token: String? = nil, length: Int? = nil,
                      extra: String = "") -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        if let length { text += "Content-Length: \(length)\r\n" }
        return text + extra + "\r\n"
    }

    @Test func aBodyLargerThanTheRouteTakesIsRefusedFromItsHeader() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            // No token: login takes 64 KiB. Nothing of the body is sent, yet the answer comes at once.
            let login = try RawTCPClient(port: try port(server))
            await login.trySend(head("POST", "/_matrix/client/v3/login", length: 1_000_000))
            let refused = await login.readUntilClosed()
            #expect(refused.text.hasPrefix("HTTP/1.1 413"), "\(refused.text.prefix(200))")
            #expect(refused.text.contains("M_TOO_LARGE"))
            #expect(refused.text.lowercased().contains("connection: close"))
            #expect(refused.closed)

            // With a token the general limit (1 MiB) applies.
            let send = try RawTCPClient(port: try port(server))
            let roomId = try await server.createRoom(alice)
            await send.trySend(head("PUT", server.roomPath(roomId, "send/m.room.message/t1"), token: alice.accessToken,
                               length: 2_000_000))
            let tooBig = await send.readUntilClosed()
            #expect(tooBig.text.hasPrefix("HTTP/1.1 413"), "\(tooBig.text.prefix(200))")
            #expect(tooBig.closed)

            // A small login body is still read and answered as usual.
            let wrong = try await server.client.post("/_matrix/client/v3/login", [
                "type": "m.login.password", "identifier": ["type": "m.id.user", "user": "alice"], "password": "nope",
            ])
            #expect(wrong.status == 403)
        }
    }

    @Test func aBodyWithoutATokenIsNeverRead() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let client = try RawTCPClient(port: try port(server))
            // Half of a body the server would take from a user: without a token it is refused unread.
            await client.trySend(head("PUT", server.roomPath(roomId, "send/m.room.message/t1"), length: 500_000)
                            + String(repeating: "x", count: 1000))
            let answer = await client.readUntilClosed()
            #expect(answer.text.hasPrefix("HTTP/1.1 401"), "\(answer.text.prefix(200))")
            #expect(answer.text.contains("M_MISSING_TOKEN"))
            #expect(answer.closed)
            // Unauthenticated routes' larger bodies, declared or chunked, are refused as well.
            let chunked = try RawTCPClient(port: try port(server))
            await chunked.trySend(head("POST", "/_matrix/client/v3/login", extra: "Transfer-Encoding: chunked\r\n")
                             + "10000\r\n" + String(repeating: " ", count: 0x10000) + "\r\n"
                             + "10000\r\n" + String(repeating: " ", count: 0x10000) + "\r\n")
            let refused = await chunked.readUntilClosed()
            #expect(refused.text.hasPrefix("HTTP/1.1 413"), "\(refused.text.prefix(200))")
        }
    }

    @Test func aSlowBodyIsCutOffAtItsDeadline() async throws {
        try await withServer({
            $0.bodyRateWindowS = 1
            $0.bodyMinBytesPerSecond = 1024
        }) { server in
            let alice = try await server.register("alice")
            let client = try RawTCPClient(port: try port(server))
            await client.trySend(head("PUT", "/_matrix/client/v3/profile/\(alice.userId)/displayname", token: alice.accessToken,
                                 length: 5000) + "{\"displayname\": ")
            // Nothing more comes: the window passes with too few bytes and the connection is closed.
            let answer = await client.readUntilClosed(seconds: 15)
            #expect(answer.closed)
            #expect(!answer.text.contains(" 200 "))
            #expect(!answer.text.contains(" 500 "))
            // The server carries on, and the profile did not change.
            let profile = try await server.client.get("/_matrix/client/v3/profile/\(alice.userId)")
            #expect(profile.status == 200)
            #expect(profile.json["displayname"]?.stringValue == "alice")
        }
    }

    @Test func aConnectionServesSeveralRequestsWithinTheHeadDeadline() async throws {
        try await withServer({ $0.requestHeadTimeoutS = 5 }) { server in
            let prompt = try RawTCPClient(port: try port(server))
            await prompt.trySend("GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await prompt.readResponse().hasPrefix("HTTP/1.1 200"))
            await prompt.trySend("GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let served = await prompt.readUntilClosed()
            #expect(served.text.hasPrefix("HTTP/1.1 200"), "\(served.text.prefix(300))")
        }
    }

    @Test func aLongPollIsNotCutOffWhileTheServerWaits() async throws {
        try await withServer({
            $0.requestHeadTimeoutS = 1
            $0.bodyRateWindowS = 1
        }) { server in
            let alice = try await server.register("alice")
            let first = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let since = try #require(first.json["next_batch"]?.stringValue)
            let polled = try await server.client.get("/_matrix/client/v3/sync?timeout=2500&since=\(since)",
                                                     token: alice.accessToken)
            #expect(polled.status == 200)
        }
    }

    @Test func bodiesInFlightShareOneBudget() async throws {
        try await withServer({
            $0.bodyBudgetMB = 1
            $0.maxBodyBytes = 1 << 20
            $0.accountDataMaxEntryBytes = 1 << 20
        }) { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/user/\(alice.userId)/account_data/org.example.big"
            // The first body takes 700 KB of the 1 MiB budget and stalls half-way.
            let first = try RawTCPClient(port: try port(server))
            await first.trySend(head("PUT", path, token: alice.accessToken, length: 700_000) + "{\"a\": \"")
            let budget = server.running.homeserver.services.bodyBudget
            for _ in 0..<200 where await budget.reserved < 700_000 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(await budget.reserved == 700_000)
            // The second does not fit: after a short wait it is told to come back.
            let second = try RawTCPClient(port: try port(server))
            await second.trySend(head("PUT", path, token: alice.accessToken, length: 700_000))
            let busy = await second.readUntilClosed()
            #expect(busy.text.hasPrefix("HTTP/1.1 503"), "\(busy.text.prefix(300))")
            #expect(busy.text.contains("M_LIMIT_EXCEEDED"))
            #expect(busy.text.contains("Retry-After: 1") || busy.text.contains("retry-after: 1"))
            // Once the first is gone, its share is free again.
            first.close()
            var stored = 0
            for _ in 0..<50 where stored != 200 {
                try await Task.sleep(for: .milliseconds(100))
                stored = try await server.client.put(path, ["a": .string(String(repeating: "b", count: 600_000))],
                                                     token: alice.accessToken).status
            }
            #expect(stored == 200)
        }
    }

    @Test func oneAddressMayHoldOnlySoManyConnections() async throws {
        try await withServer({ $0.maxConnectionsPerAddress = 3 }) { server in
            let held = try (0..<3).map { _ in try RawTCPClient(port: try port(server)) }
            try await Task.sleep(for: .milliseconds(200))
            let fourth = try RawTCPClient(port: try port(server))
            await fourth.trySend("GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let refused = await fourth.readUntilClosed()
            #expect(refused.closed)
            #expect(refused.text.isEmpty)
            // When one goes, another may come.
            let limiter = try #require(server.running.homeserver.services.connections)
            held[0].close()
            for _ in 0..<1200 where limiter.counts.open >= 3 { try await Task.sleep(for: .milliseconds(50)) }
            var served = false
            for _ in 0..<50 where !served {
                try await Task.sleep(for: .milliseconds(100))
                let next = try RawTCPClient(port: try port(server))
                await next.trySend("GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                served = await next.readUntilClosed().text.hasPrefix("HTTP/1.1 200")
            }
            #expect(served)
            _ = held
        }
    }

    @Test func unauthenticatedConnectionsAreCappedInTotal() async throws {
        // The head deadline closes the test client's pooled keep-alive connections before the counting starts.
        try await withServer({
            $0.maxUnauthenticatedConnections = 2
            $0.requestHeadTimeoutS = 5
        }) { server in
            let alice = try await server.register("alice")
            let limiter = try #require(server.running.homeserver.services.connections)
            func settle(open: Int) async throws {
                for _ in 0..<600 where limiter.counts.open != open { try await Task.sleep(for: .milliseconds(50)) }
            }
            try await settle(open: 0)
            let first = try RawTCPClient(port: try port(server))
            let second = try RawTCPClient(port: try port(server))
            try await settle(open: 2)
            #expect(limiter.counts.unauthenticated == 2)
            let third = try RawTCPClient(port: try port(server))
            await third.trySend("GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let refused = await third.readUntilClosed(seconds: 30)
            #expect(refused.closed)
            #expect(refused.text.isEmpty)
            // A request with a token on one of them makes it count as authenticated.
            await first.trySend("GET /_matrix/client/v3/account/whoami HTTP/1.1\r\nHost: localhost\r\n"
                                + "Authorization: Bearer \(alice.accessToken)\r\n\r\n")
            let whoami = await first.readResponse()
            #expect(whoami.hasPrefix("HTTP/1.1 200"), "\(whoami.prefix(200))")
            // `first` is open and no longer counted; `second` counts while the head deadline leaves it open.
            let counts = limiter.counts
            #expect(counts.open >= 1)
            #expect(counts.unauthenticated == counts.open - 1)
            _ = second
        }
    }
}
