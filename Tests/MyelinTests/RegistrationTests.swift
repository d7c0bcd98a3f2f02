import Foundation
import MatrixCore
import MyelinAccounts
import Testing

@Suite struct RegistrationTests {
    @Test func registerWithDummyStageReturnsASession() async throws {
        try await withServer { server in
            let first = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "alice", "password": .string(TestServer.password)])
            #expect(first.status == 401)
            #expect(first.errcode == nil)
            #expect(first.json["flows"]?.arrayValue?.first?["stages"] == ["m.login.dummy"])
            #expect(first.json["params"]?.objectValue != nil)
            let session = try #require(first.json["session"]?.stringValue)
            let second = try await server.client.post("/_matrix/client/v3/register", [
                "username": "Alice", "password": .string(TestServer.password),
                "initial_device_display_name": "Phone", "device_id": "PHONE1",
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            #expect(second.status == 200)
            #expect(second.json["user_id"]?.stringValue == "@alice:\(server.serverName)")
            #expect(second.json["device_id"]?.stringValue == "PHONE1")
            #expect(second.json["home_server"]?.stringValue == server.serverName)
            let token = try #require(second.json["access_token"]?.stringValue)
            let device = try await server.client.get("/_matrix/client/v3/devices/PHONE1", token: token)
            #expect(device.json["display_name"]?.stringValue == "Phone")
            // The session registered alice: it cannot register another account.
            let replay = try await server.client.post("/_matrix/client/v3/register", [
                "username": "alice2", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            #expect(replay.status == 403)
            #expect(replay.errcode == "M_FORBIDDEN")
        }
    }

    @Test func authWithoutSessionStartsOneAndCompletes() async throws {
        try await withServer { server in
            let response = try await server.client.post("/_matrix/client/v3/register", [
                "username": "bob", "password": .string(TestServer.password), "auth": ["type": "m.login.dummy"],
            ])
            #expect(response.status == 200)
            #expect(response.json["user_id"]?.stringValue == "@bob:\(server.serverName)")
        }
    }

    @Test func takenAndInvalidUsernames() async throws {
        try await withServer { server in
            _ = try await server.register("alice")
            let taken = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "ALICE", "password": .string(TestServer.password)])
            #expect(taken.status == 400)
            #expect(taken.errcode == "M_USER_IN_USE")
            for bad in ["al ice", "al:ice", "émile", "_bridge", "12345", String(repeating: "a", count: 260)] {
                let response = try await server.client.post(
                    "/_matrix/client/v3/register", ["username": .string(bad), "password": .string(TestServer.password)])
                #expect(response.status == 400, "\(bad)")
                #expect(response.errcode == "M_INVALID_USERNAME", "\(bad)")
            }
        }
    }

    @Test func weakOrMissingPassword() async throws {
        try await withServer { server in
            let weak = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "carol", "password": "short"])
            #expect(weak.status == 400)
            #expect(weak.errcode == "M_WEAK_PASSWORD")
            let missing = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "carol", "auth": ["type": "m.login.dummy"]])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let available = try await server.client.get("/_matrix/client/v3/register/available?username=carol")
            #expect(available.json["available"]?.boolValue == true)
        }
    }

    @Test func generatedLocalpartWhenNoUsername() async throws {
        try await withServer { server in
            let response = try await server.client.post("/_matrix/client/v3/register", [
                "password": .string(TestServer.password), "auth": ["type": "m.login.dummy"],
            ])
            #expect(response.status == 200)
            let userId = try #require(response.json["user_id"]?.stringValue)
            let localpart = userId.dropFirst().prefix { $0 != ":" }
            #expect(!localpart.isEmpty && localpart.allSatisfy(\.isNumber))
        }
    }

    @Test func inhibitLoginReturnsNoToken() async throws {
        try await withServer { server in
            let response = try await server.client.post("/_matrix/client/v3/register", [
                "username": "dave", "password": .string(TestServer.password), "inhibit_login": true,
                "auth": ["type": "m.login.dummy"],
            ])
            #expect(response.status == 200)
            #expect(response.json["user_id"]?.stringValue == "@dave:\(server.serverName)")
            #expect(response.json["access_token"] == nil)
            #expect(response.json["device_id"] == nil)
            let login = try await server.login("dave")
            #expect(login.status == 200)
        }
    }

    @Test func availableEndpoint() async throws {
        try await withServer { server in
            _ = try await server.register("erin")
            let taken = try await server.client.get("/_matrix/client/v3/register/available?username=erin")
            #expect(taken.status == 400)
            #expect(taken.errcode == "M_USER_IN_USE")
            let invalid = try await server.client.get("/_matrix/client/v3/register/available?username=a%20b")
            #expect(invalid.errcode == "M_INVALID_USERNAME")
            let missing = try await server.client.get("/_matrix/client/v3/register/available")
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let free = try await server.client.get("/_matrix/client/v3/register/available?username=frank")
            #expect(free.status == 200)
            #expect(free.json["available"]?.boolValue == true)
        }
    }

    @Test func closedModeRefuses() async throws {
        try await withServer({ $0.registrationMode = .closed }) { server in
            let response = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "x", "password": .string(TestServer.password)])
            #expect(response.status == 403)
            #expect(response.errcode == "M_FORBIDDEN")
            let available = try await server.client.get("/_matrix/client/v3/register/available?username=x")
            #expect(available.status == 403)
        }
    }

    @Test func autoModeClosesOnceAnAdminExists() async throws {
        try await withServer({ $0.registrationMode = .auto }) { server in
            _ = try await server.register("first")
            let registration = server.running.homeserver.services.registration
            _ = try await registration.createAccount(localpart: "root", password: TestServer.password, isAdmin: true)
            let response = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "late", "password": .string(TestServer.password)])
            #expect(response.status == 403)
            #expect(response.errcode == "M_FORBIDDEN")
        }
    }

    @Test func tokenModeNeedsAValidToken() async throws {
        try await withServer({ $0.registrationMode = .token }) { server in
            let registration = server.running.homeserver.services
            _ = try await registration.registrationTokens.create(.init(token: "letmein", usesAllowed: 1))

            let first = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "gina", "password": .string(TestServer.password)])
            #expect(first.status == 401)
            #expect(first.json["flows"]?.arrayValue?.first?["stages"] == ["m.login.registration_token"])
            let session = try #require(first.json["session"]?.stringValue)

            let validity = try await server.client.get(
                "/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein")
            #expect(validity.json["valid"]?.boolValue == true)
            let bogusValidity = try await server.client.get(
                "/_matrix/client/v1/register/m.login.registration_token/validity?token=nope")
            #expect(bogusValidity.json["valid"]?.boolValue == false)

            let wrong = try await server.client.post("/_matrix/client/v3/register", [
                "username": "gina", "password": .string(TestServer.password),
                "auth": ["type": "m.login.registration_token", "token": "nope", "session": .string(session)],
            ])
            #expect(wrong.status == 401)
            #expect(wrong.errcode == "M_UNAUTHORIZED")
            #expect(wrong.json["session"]?.stringValue == session)

            let dummy = try await server.client.post("/_matrix/client/v3/register", [
                "username": "gina", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            #expect(dummy.status == 401)

            let right = try await server.client.post("/_matrix/client/v3/register", [
                "username": "gina", "password": .string(TestServer.password),
                "auth": ["type": "m.login.registration_token", "token": "letmein", "session": .string(session)],
            ])
            #expect(right.status == 200)

            // One use allowed: the token is now spent.
            let record = try await registration.registrationTokens.get("letmein")
            #expect(record.completed == 1)
            #expect(record.pending == 0)
            let after = try await server.client.get(
                "/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein")
            #expect(after.json["valid"]?.boolValue == false)
            let again = try await server.client.post("/_matrix/client/v3/register", [
                "username": "hank", "password": .string(TestServer.password),
                "auth": ["type": "m.login.registration_token", "token": "letmein"],
            ])
            #expect(again.status == 401)
            #expect(again.errcode == "M_UNAUTHORIZED")
        }
    }

    @Test func tokenValidityIsForbiddenOutsideTokenMode() async throws {
        try await withServer { server in
            let response = try await server.client.get(
                "/_matrix/client/v1/register/m.login.registration_token/validity?token=abc")
            #expect(response.status == 403)
            #expect(response.errcode == "M_FORBIDDEN")
        }
    }

    @Test func guestRegistration() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let response = try await server.client.post("/_matrix/client/v3/register?kind=guest", [:])
            #expect(response.status == 200)
            let token = try #require(response.json["access_token"]?.stringValue)
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: token)
            #expect(whoami.json["is_guest"]?.boolValue == true)
            let password = try await server.client.post(
                "/_matrix/client/v3/account/password", ["new_password": "whatever123"], token: token)
            #expect(password.status == 403)
            #expect(password.errcode == "M_GUEST_ACCESS_FORBIDDEN")
        }
        try await withServer { server in
            let refused = try await server.client.post("/_matrix/client/v3/register?kind=guest", [:])
            #expect(refused.status == 403)
            let badKind = try await server.client.post("/_matrix/client/v3/register?kind=robot", [:])
            #expect(badKind.status == 400)
            #expect(badKind.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func registerWithRefreshToken() async throws {
        try await withServer { server in
            let response = try await server.client.post("/_matrix/client/v3/register", [
                "username": "ivy", "password": .string(TestServer.password), "refresh_token": true,
                "auth": ["type": "m.login.dummy"],
            ])
            #expect(response.status == 200)
            #expect(response.json["refresh_token"]?.stringValue?.isEmpty == false)
            #expect(response.json["expires_in_ms"]?.intValue == 300_000)
        }
    }
}
