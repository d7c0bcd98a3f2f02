import Foundation
import MatrixCore
import Testing

@Suite struct AccountTests {
    func passwordAuth(_ session: String? = nil, password: String = TestServer.password, user: String = "alice")
        -> JSONValue
    {
        var auth: JSONObject = [
            "type": "m.login.password", "password": .string(password),
            "identifier": ["type": "m.id.user", "user": .string(user)],
        ]
        if let session { auth["session"] = .string(session) }
        return .object(auth)
    }

    @Test func changePasswordLogsOutOtherDevicesByDefault() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let other = try #require(try await server.login("alice").json["access_token"]?.stringValue)

            let challenge = try await server.client.post(
                "/_matrix/client/v3/account/password", ["new_password": "a brand new secret"], token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let wrong = try await server.client.post("/_matrix/client/v3/account/password", [
                "new_password": "a brand new secret", "auth": passwordAuth(session, password: "not it"),
            ], token: alice.accessToken)
            #expect(wrong.status == 401)
            #expect(wrong.errcode == "M_FORBIDDEN")

            let done = try await server.client.post("/_matrix/client/v3/account/password", [
                "new_password": "a brand new secret", "auth": passwordAuth(session),
            ], token: alice.accessToken)
            #expect(done.status == 200)

            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: other).status == 401)
            #expect(try await server.login("alice").status == 403)
            #expect(try await server.login("alice", password: "a brand new secret").status == 200)
        }
    }

    @Test func changePasswordCanKeepOtherDevices() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let other = try #require(try await server.login("alice").json["access_token"]?.stringValue)
            let done = try await server.client.post("/_matrix/client/v3/account/password", [
                "new_password": "a brand new secret", "logout_devices": false, "auth": passwordAuth(),
            ], token: alice.accessToken)
            #expect(done.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: other).status == 200)
        }
    }

    @Test func changePasswordRefusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let weak = try await server.client.post("/_matrix/client/v3/account/password", [
                "new_password": "short", "auth": passwordAuth(),
            ], token: alice.accessToken)
            #expect(weak.errcode == "M_WEAK_PASSWORD")
            let missing = try await server.client.post(
                "/_matrix/client/v3/account/password", ["auth": passwordAuth()], token: alice.accessToken)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let anonymous = try await server.client.post(
                "/_matrix/client/v3/account/password", ["new_password": "long enough pw"])
            #expect(anonymous.status == 401)
            #expect(anonymous.errcode == "M_MISSING_TOKEN")
            // A session started for the password change cannot delete devices.
            let challenge = try await server.client.post(
                "/_matrix/client/v3/account/password", ["new_password": "long enough pw"], token: alice.accessToken)
            let session = try #require(challenge.json["session"]?.stringValue)
            let misuse = try await server.client.post("/_matrix/client/v3/delete_devices", [
                "devices": .array([.string(alice.deviceId)]), "auth": passwordAuth(session),
            ], token: alice.accessToken)
            #expect(misuse.status == 403)
        }
    }

    @Test func deactivationRefusesLaterLogins() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let challenge = try await server.client.post("/_matrix/client/v3/account/deactivate", token: alice.accessToken)
            #expect(challenge.status == 401)
            let done = try await server.client.post(
                "/_matrix/client/v3/account/deactivate", ["auth": passwordAuth(), "erase": false], token: alice.accessToken)
            #expect(done.status == 200)
            #expect(done.json["id_server_unbind_result"]?.stringValue == "no-support")

            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status == 401)
            let login = try await server.login("alice")
            #expect(login.status == 403)
            #expect(login.errcode == "M_USER_DEACTIVATED")
            // The name is never handed out again.
            let reuse = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "alice", "password": .string(TestServer.password)])
            #expect(reuse.errcode == "M_USER_IN_USE")
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: bob.accessToken).status == 200)
        }
    }

    @Test func accountDataSurvivesDeactivationOfAnotherUser() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            _ = try await server.client.put(
                "/_matrix/client/v3/user/\(bob.userId)/account_data/m.keep", ["v": 1], token: bob.accessToken)
            _ = try await server.client.post(
                "/_matrix/client/v3/account/deactivate", ["auth": passwordAuth()], token: alice.accessToken)
            let data = try await server.client.get(
                "/_matrix/client/v3/user/\(bob.userId)/account_data/m.keep", token: bob.accessToken)
            #expect(data.json["v"]?.intValue == 1)
        }
    }
}
