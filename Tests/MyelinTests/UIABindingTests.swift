import Foundation
import MatrixCore
import Testing

/// A user-interactive auth session authorises the one request it was started for: every UIA-protected
/// endpoint refuses (403) a session started for another path, another user or other body fields, and the
/// refusal leaves the session usable for its own request.
@Suite struct UIABindingTests {
    func passwordAuth(_ session: String?, user: String = "alice") -> JSONValue {
        var auth: JSONObject = [
            "type": "m.login.password", "password": .string(TestServer.password),
            "identifier": ["type": "m.id.user", "user": .string(user)],
        ]
        if let session { auth["session"] = .string(session) }
        return .object(auth)
    }

    func expectRefused(_ response: TestResponse, _ comment: Comment? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 403, comment, sourceLocation: sourceLocation)
        #expect(response.errcode == "M_FORBIDDEN", comment, sourceLocation: sourceLocation)
    }

    /// Logs alice in on devices `ids`.
    func addDevices(_ server: TestServer, _ ids: [String]) async throws {
        for id in ids { #expect(try await server.login("alice", extra: ["device_id": .string(id)]).status == 200) }
    }

    func deviceExists(_ server: TestServer, _ alice: TestServer.User, _ id: String) async throws -> Bool {
        try await server.client.get("/_matrix/client/v3/devices/\(id)", token: alice.accessToken).status == 200
    }

    @Test func deletingOneDeviceCannotDeleteAnother() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            try await addDevices(server, ["A", "B"])
            let challenge = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/A", token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let other = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/B", json: ["auth": passwordAuth(session)], token: alice.accessToken)
            expectRefused(other)
            #expect(try await deviceExists(server, alice, "B"))
            // The same device through the other endpoint is another request too.
            let bulk = try await server.client.post(
                "/_matrix/client/v3/delete_devices", ["devices": ["A"], "auth": passwordAuth(session)],
                token: alice.accessToken)
            expectRefused(bulk)
            #expect(try await deviceExists(server, alice, "A"))

            // The refusals left the session for its own request; a fresh session serves the other one.
            let own = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/A", json: ["auth": passwordAuth(session)], token: alice.accessToken)
            #expect(own.status == 200)
            #expect(try await !deviceExists(server, alice, "A"))
            let fresh = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/B", json: ["auth": passwordAuth(nil)], token: alice.accessToken)
            #expect(fresh.status == 200)
            #expect(try await !deviceExists(server, alice, "B"))
        }
    }

    @Test func bulkDeletionIsBoundToItsDevices() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            try await addDevices(server, ["A", "B"])
            let challenge = try await server.client.post(
                "/_matrix/client/v3/delete_devices", ["devices": ["A"]], token: alice.accessToken)
            let session = try #require(challenge.json["session"]?.stringValue)

            let more = try await server.client.post(
                "/_matrix/client/v3/delete_devices", ["devices": ["A", "B"], "auth": passwordAuth(session)],
                token: alice.accessToken)
            expectRefused(more)
            #expect(try await deviceExists(server, alice, "A"))
            #expect(try await deviceExists(server, alice, "B"))
            let single = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/A", json: ["auth": passwordAuth(session)], token: alice.accessToken)
            expectRefused(single)

            // The devices are a set: a repeat names the same ones.
            let same = try await server.client.post(
                "/_matrix/client/v3/delete_devices", ["devices": ["A", "A"], "auth": passwordAuth(session)],
                token: alice.accessToken)
            #expect(same.status == 200)
            #expect(try await !deviceExists(server, alice, "A"))
            #expect(try await deviceExists(server, alice, "B"))
        }
    }

    @Test func passwordChangeIsBoundToTheNewPassword() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/account/password"
            let challenge = try await server.client.post(path, ["new_password": "the one alice typed"],
                                                         token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let other = try await server.client.post(
                path, ["new_password": "one mallory chose", "auth": passwordAuth(session)], token: alice.accessToken)
            expectRefused(other)
            #expect(try await server.login("alice").status == 200)
            let keepDevices = try await server.client.post(path, [
                "new_password": "the one alice typed", "logout_devices": false, "auth": passwordAuth(session),
            ], token: alice.accessToken)
            expectRefused(keepDevices)

            let own = try await server.client.post(
                path, ["new_password": "the one alice typed", "auth": passwordAuth(session)], token: alice.accessToken)
            #expect(own.status == 200)
            #expect(try await server.login("alice", password: "the one alice typed").status == 200)
            #expect(try await server.login("alice", password: "one mallory chose").status == 403)
        }
    }

    @Test func deactivationIsBoundToErase() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/account/deactivate"
            let challenge = try await server.client.post(path, [:], token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let erase = try await server.client.post(path, ["erase": true, "auth": passwordAuth(session)],
                                                     token: alice.accessToken)
            expectRefused(erase)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status
                == 200)

            // `erase` absent and false are the same request.
            let own = try await server.client.post(path, ["erase": false, "auth": passwordAuth(session)],
                                                   token: alice.accessToken)
            #expect(own.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status
                == 401)
        }
    }

    @Test func crossSigningUploadIsBoundToTheKeys() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/keys/device_signing/upload"
            let first = try KeysCrossSigningTests.Keys(base: 20)
            #expect(try await server.client.post(path, .object(try first.body(alice.userId)), token: alice.accessToken)
                .status == 200)

            let wanted = try first.body(alice.userId, master: try KeysFixture.key(30))
            let challenge = try await server.client.post(path, .object(wanted), token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let masterOfMallory = try KeysFixture.key(50)
            var other = try first.body(alice.userId, master: masterOfMallory)
            other["auth"] = passwordAuth(session)
            expectRefused(try await server.client.post(path, .object(other), token: alice.accessToken))
            let query = try await server.client.post(
                "/_matrix/client/v3/keys/query", ["device_keys": [alice.userId: []]], token: alice.accessToken)
            #expect(query.json["master_keys"]?[alice.userId]?["keys"]?["ed25519:\(masterOfMallory.publicKeyBase64)"]
                == nil)
            #expect(query.json["master_keys"]?[alice.userId]?["keys"]?["ed25519:\(first.master.publicKeyBase64)"]
                != nil)

            var own = wanted
            own["auth"] = passwordAuth(session)
            #expect(try await server.client.post(path, .object(own), token: alice.accessToken).status == 200)
        }
    }

    @Test func loginTokenSessionServesOnlyItsUserAndEndpoint() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let path = "/_matrix/client/v1/login/get_token"
            let challenge = try await server.client.post(path, [:], token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            expectRefused(try await server.client.post(
                path, ["auth": passwordAuth(session, user: "bob")], token: bob.accessToken))
            expectRefused(try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/\(alice.deviceId)", json: ["auth": passwordAuth(session)],
                token: alice.accessToken))
            let own = try await server.client.post(path, ["auth": passwordAuth(session)], token: alice.accessToken)
            #expect(own.status == 200)
            #expect(own.json["login_token"]?.stringValue != nil)
        }
    }

    @Test func registrationIsBoundToItsUsername() async throws {
        try await withServer { server in
            let path = "/_matrix/client/v3/register"
            let challenge = try await server.client.post(
                path, ["username": "bob", "password": .string(TestServer.password)])
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)

            let other = try await server.client.post(path, [
                "username": "mallory", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            expectRefused(other)
            #expect(try await server.client.get("/_matrix/client/v3/register/available?username=mallory").status
                == 200)
            // A session of a logged-in user's operation is no registration session either.
            let alice = try await server.register("alice")
            let deletion = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/\(alice.deviceId)", token: alice.accessToken)
            let deletionSession = try #require(deletion.json["session"]?.stringValue)
            expectRefused(try await server.client.post(path, [
                "username": "eve", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(deletionSession)],
            ]))

            let own = try await server.client.post(path, [
                "username": "bob", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            #expect(own.status == 200)
            #expect(own.json["user_id"]?.stringValue == "@bob:\(server.serverName)")
        }
    }
}
