import Foundation
import MatrixCore
import Testing

/// A `/register` UIA session remembers what its first call asked for, so later calls may send only `auth`;
/// a session that registered answers a repeat with the same answer.
@Suite struct RegistrationSessionTests {
    let path = "/_matrix/client/v3/register"

    func dummy(_ session: String) -> JSONValue { ["type": "m.login.dummy", "session": .string(session)] }

    @Test func laterCallsMaySendOnlyAuth() async throws {
        try await withServer { server in
            let first = try await server.client.post(path, [
                "username": "Carol", "password": .string(TestServer.password),
                "initial_device_display_name": "Tablet", "device_id": "TAB",
            ])
            #expect(first.status == 401)
            let session = try #require(first.json["session"]?.stringValue)

            let done = try await server.client.post(path, ["auth": dummy(session)])
            #expect(done.status == 200)
            #expect(done.json["user_id"]?.stringValue == "@carol:\(server.serverName)")
            #expect(done.json["device_id"]?.stringValue == "TAB")
            let token = try #require(done.json["access_token"]?.stringValue)
            let device = try await server.client.get("/_matrix/client/v3/devices/TAB", token: token)
            #expect(device.json["display_name"]?.stringValue == "Tablet")
            #expect(try await server.login("carol").status == 200)
        }
    }

    @Test func rememberedInhibitLoginAndRefreshToken() async throws {
        try await withServer { server in
            let first = try await server.client.post(path, [
                "username": "dave", "password": .string(TestServer.password), "inhibit_login": true,
            ])
            let session = try #require(first.json["session"]?.stringValue)
            let done = try await server.client.post(path, ["auth": dummy(session)])
            #expect(done.status == 200)
            #expect(done.json["user_id"]?.stringValue == "@dave:\(server.serverName)")
            #expect(done.json["access_token"] == nil)

            let second = try await server.client.post(path, [
                "username": "erin", "password": .string(TestServer.password), "refresh_token": true,
            ])
            let secondSession = try #require(second.json["session"]?.stringValue)
            let refreshed = try await server.client.post(path, ["auth": dummy(secondSession)])
            #expect(refreshed.status == 200)
            #expect(refreshed.json["refresh_token"]?.stringValue?.isEmpty == false)
        }
    }

    @Test func repeatingACompletedSessionGivesTheSameAnswer() async throws {
        try await withServer { server in
            let first = try await server.client.post(path, ["username": "fred", "password": .string(TestServer.password)])
            let session = try #require(first.json["session"]?.stringValue)
            let done = try await server.client.post(path, [
                "username": "fred", "password": .string(TestServer.password), "auth": dummy(session),
            ])
            #expect(done.status == 200)
            let token = try #require(done.json["access_token"]?.stringValue)

            // The client lost the answer and tries again, in full or with the session alone.
            for body: JSONValue in [
                ["username": "fred", "password": .string(TestServer.password), "auth": dummy(session)],
                ["auth": ["session": .string(session)]],
            ] {
                let again = try await server.client.post(path, body)
                #expect(again.status == 200)
                #expect(again.json["user_id"]?.stringValue == "@fred:\(server.serverName)")
                #expect(again.json["device_id"] == done.json["device_id"])
                #expect(again.json["access_token"]?.stringValue == token)
            }
            let devices = try await server.client.get("/_matrix/client/v3/devices", token: token)
            #expect(devices.json["devices"]?.arrayValue?.count == 1)
            // Naming another account is another operation.
            let other = try await server.client.post(path, [
                "username": "george", "password": .string(TestServer.password), "auth": dummy(session),
            ])
            #expect(other.status == 403)
            #expect(other.errcode == "M_FORBIDDEN")
        }
    }

    @Test func aTokenIsSpentOnceAcrossRepeats() async throws {
        try await withServer({ $0.registrationMode = .token }) { server in
            let tokens = server.running.homeserver.services.registrationTokens
            _ = try await tokens.create(.init(token: "letmein", usesAllowed: 2))
            let first = try await server.client.post(path, ["username": "hana", "password": .string(TestServer.password)])
            let session = try #require(first.json["session"]?.stringValue)
            let auth: JSONValue = ["type": "m.login.registration_token", "token": "letmein", "session": .string(session)]
            let done = try await server.client.post(path, ["auth": auth])
            #expect(done.status == 200)
            #expect(done.json["user_id"]?.stringValue == "@hana:\(server.serverName)")
            let again = try await server.client.post(path, ["auth": auth])
            #expect(again.status == 200)
            #expect(again.json["user_id"] == done.json["user_id"])
            let record = try await tokens.get("letmein")
            #expect(record.completed == 1)
            #expect(record.pending == 0)
        }
    }

    @Test func aFailedCompletionLeavesTheSessionToFinish() async throws {
        try await withServer { server in
            let first = try await server.client.post(path, ["username": "ian"])
            let session = try #require(first.json["session"]?.stringValue)
            let missing = try await server.client.post(path, ["auth": dummy(session)])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            // The stage stays done: the password and the session finish it.
            let done = try await server.client.post(
                path, ["password": .string(TestServer.password), "auth": ["session": .string(session)]])
            #expect(done.status == 200)
            #expect(done.json["user_id"]?.stringValue == "@ian:\(server.serverName)")
        }
    }

    @Test func longDisplayNamesAreRefusedBeforeAnySession() async throws {
        try await withServer { server in
            let response = try await server.client.post(path, [
                "username": "jo", "password": .string(TestServer.password),
                "initial_device_display_name": .string(String(repeating: "x", count: 101)),
            ])
            #expect(response.status == 400)
            #expect(response.errcode == "M_INVALID_PARAM")
            #expect(response.json["session"] == nil)
        }
    }

    /// A session whose completion failed keeps its registration token reserved for the client to finish;
    /// the use comes back when the session expires or is pushed out by newer ones.
    @Test func aReservedTokenComesBackWithItsSession() async throws {
        try await withServer({ $0.registrationMode = .token }) { server in
            let tokens = server.running.homeserver.services.registrationTokens
            _ = try await tokens.create(.init(token: "once", usesAllowed: 1))
            func holdToken() async throws {
                let first = try await server.client.post(path, ["username": "ned"])
                let session = try #require(first.json["session"]?.stringValue)
                let missing = try await server.client.post(path, [
                    "auth": ["type": "m.login.registration_token", "token": "once", "session": .string(session)],
                ])
                #expect(missing.errcode == "M_MISSING_PARAM")
                #expect(try await tokens.get("once").pending == 1)
            }

            try await holdToken()
            server.clock.advance(ms: 600_001)
            #expect(try await server.client.post(path, ["username": "someone"]).status == 401)
            #expect(try await tokens.get("once").pending == 0)

            try await holdToken()
            let bound = server.running.homeserver.services.accounts.settings.uiaMaxSessions
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in stride(from: worker, to: bound, by: 8) {
                            _ = try await server.client.post(path, ["username": "stranger"])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await tokens.get("once").pending == 0)
        }
    }
}
