import Foundation
import MatrixCore
import Testing

/// User-interactive auth sessions live in memory: a stranger may open them without logging in, so they are
/// bounded in number (the oldest make room) and expire.
@Suite struct UIASessionLimitTests {
    let path = "/_matrix/client/v3/register"

    func dummy(_ session: String) -> JSONValue { ["type": "m.login.dummy", "session": .string(session)] }

    @Test func sessionsExpire() async throws {
        try await withServer { server in
            let first = try await server.client.post(path, ["username": "kim", "password": .string(TestServer.password)])
            let session = try #require(first.json["session"]?.stringValue)
            server.clock.advance(ms: 600_001)
            let late = try await server.client.post(path, [
                "username": "kim", "password": .string(TestServer.password), "auth": dummy(session),
            ])
            #expect(late.status == 400)
            #expect(late.errcode == "M_UNKNOWN")
        }
    }

    /// Sessions opened in the same millisecond (every one here: the test clock stands still) still leave
    /// oldest first.
    @Test func strangersCannotHoldMoreThanTheBound() async throws {
        try await withServer { server in
            let uia = server.running.homeserver.services.accounts.uia
            let bound = server.running.homeserver.services.accounts.settings.uiaMaxSessions
            let first = try await server.client.post(path, ["username": "lee", "password": .string(TestServer.password)])
            let oldest = try #require(first.json["session"]?.stringValue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in stride(from: worker, to: bound, by: 8) {
                            let response = try await server.client.post(path, ["username": "stranger"])
                            #expect(response.status == 401)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await uia.sessionCount == bound)
            // The oldest session made room for the newer ones.
            let late = try await server.client.post(path, [
                "username": "lee", "password": .string(TestServer.password), "auth": dummy(oldest),
            ])
            #expect(late.status == 400)
            #expect(late.errcode == "M_UNKNOWN")
        }
    }
}
