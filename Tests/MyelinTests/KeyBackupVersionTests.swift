import Foundation
import MatrixCore
import Testing

/// Shared bits of the key backup tests.
enum KeyBackupFixture {
    static let algorithm = "m.megolm_backup.v1.curve25519-aes-sha2"
    static let versionPath = "/_matrix/client/v3/room_keys/version"
    static let keysPath = "/_matrix/client/v3/room_keys/keys"

    static func authData(_ publicKey: String) -> JSONValue {
        ["public_key": .string(publicKey), "signatures": ["@alice:example.org": ["ed25519:DEV": "sig"]]]
    }

    static func create(_ server: TestServer, _ user: TestServer.User, publicKey: String = "pk1") async throws
        -> String
    {
        let response = try await server.client.post(
            versionPath, ["algorithm": .string(algorithm), "auth_data": authData(publicKey)], token: user.accessToken)
        #expect(response.status == 200)
        guard let version = response.json["version"]?.stringValue else {
            throw TestFailure("no version in \(response.json)")
        }
        return version
    }

    static func keyData(index: Int64, forwarded: Int64 = 0, verified: Bool = false, tag: String = "x")
        -> JSONValue
    {
        ["first_message_index": .int(index), "forwarded_count": .int(forwarded), "is_verified": .bool(verified),
         "session_data": ["ephemeral": "eph", "ciphertext": .string(tag), "mac": "mac"]]
    }
}

@Suite struct KeyBackupVersionTests {
    typealias F = KeyBackupFixture

    @Test func lifecycle() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let none = try await server.client.get(F.versionPath, token: alice.accessToken)
            #expect(none.status == 404)
            #expect(none.errcode == "M_NOT_FOUND")

            #expect(try await F.create(server, alice, publicKey: "one") == "1")
            #expect(try await F.create(server, alice, publicKey: "two") == "2")
            let latest = try await server.client.get(F.versionPath, token: alice.accessToken)
            #expect(latest.status == 200)
            #expect(latest.json == ["algorithm": .string(F.algorithm), "auth_data": F.authData("two"),
                                    "count": 0, "etag": "0", "version": "2"])
            let first = try await server.client.get(F.versionPath + "/1", token: alice.accessToken)
            #expect(first.json["auth_data"] == F.authData("one"))

            let update = try await server.client.put(
                F.versionPath + "/1", ["algorithm": .string(F.algorithm), "auth_data": F.authData("new"),
                                       "version": "1"], token: alice.accessToken)
            #expect(update.status == 200)
            #expect(update.json == [:])
            let updated = try await server.client.get(F.versionPath + "/1", token: alice.accessToken)
            #expect(updated.json["auth_data"] == F.authData("new"))

            #expect(try await server.client.request("DELETE", F.versionPath + "/2", token: alice.accessToken)
                .status == 200)
            let fallback = try await server.client.get(F.versionPath, token: alice.accessToken)
            #expect(fallback.json["version"] == "1")
            let gone = try await server.client.get(F.versionPath + "/2", token: alice.accessToken)
            #expect(gone.status == 404)
            #expect(gone.errcode == "M_NOT_FOUND")
            // Deleting again succeeds; an unknown version is 404.
            #expect(try await server.client.request("DELETE", F.versionPath + "/2", token: alice.accessToken)
                .status == 200)
            #expect(try await server.client.request("DELETE", F.versionPath + "/9", token: alice.accessToken)
                .errcode == "M_NOT_FOUND")

            #expect(try await server.client.request("DELETE", F.versionPath + "/1", token: alice.accessToken)
                .status == 200)
            #expect(try await server.client.get(F.versionPath, token: alice.accessToken).status == 404)
            // Numbers are never reused.
            #expect(try await F.create(server, alice) == "3")
        }
    }

    @Test func updateRefusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await F.create(server, alice, publicKey: "kept")
            let otherAlgorithm = try await server.client.put(
                F.versionPath + "/1", ["algorithm": "m.other", "auth_data": F.authData("x")], token: alice.accessToken)
            #expect(otherAlgorithm.status == 400)
            #expect(otherAlgorithm.errcode == "M_INVALID_PARAM")
            let otherVersion = try await server.client.put(
                F.versionPath + "/1", ["algorithm": .string(F.algorithm), "auth_data": F.authData("x"),
                                       "version": "2"], token: alice.accessToken)
            #expect(otherVersion.status == 400)
            #expect(otherVersion.errcode == "M_INVALID_PARAM")
            let unknown = try await server.client.put(
                F.versionPath + "/7", ["algorithm": .string(F.algorithm), "auth_data": F.authData("x")],
                token: alice.accessToken)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            let garbage = try await server.client.get(F.versionPath + "/01", token: alice.accessToken)
            #expect(garbage.status == 404)
            #expect(try await server.client.get(F.versionPath + "/1", token: alice.accessToken)
                .json["auth_data"] == F.authData("kept"))
        }
    }

    @Test func badBodies() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let cases: [(JSONValue, String)] = [
                (["algorithm": .string(F.algorithm), "auth_data": "not an object"], "M_BAD_JSON"),
                (["algorithm": .string(F.algorithm), "auth_data": [1, 2]], "M_BAD_JSON"),
                (["algorithm": 5, "auth_data": [:]], "M_BAD_JSON"),
                (["algorithm": .string(F.algorithm)], "M_MISSING_PARAM"),
                (["auth_data": [:]], "M_MISSING_PARAM"),
                ([1, 2], "M_BAD_JSON"),
            ]
            for (body, errcode) in cases {
                let response = try await server.client.post(F.versionPath, body, token: alice.accessToken)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            let notJSON = try await server.client.request(
                "POST", F.versionPath, rawBody: Data("{nope".utf8), token: alice.accessToken)
            #expect(notJSON.errcode == "M_NOT_JSON")
            #expect(try await server.client.get(F.versionPath, token: alice.accessToken).status == 404)
        }
    }

    @Test func perUserAndAuthenticated() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            _ = try await F.create(server, alice)
            _ = try await F.create(server, alice)
            #expect(try await server.client.get(F.versionPath, token: bob.accessToken).status == 404)
            #expect(try await server.client.get(F.versionPath + "/1", token: bob.accessToken).status == 404)
            #expect(try await server.client.request("DELETE", F.versionPath + "/1", token: bob.accessToken)
                .status == 404)
            let bobUpdate = try await server.client.put(
                F.versionPath + "/1", ["algorithm": .string(F.algorithm), "auth_data": F.authData("evil")],
                token: bob.accessToken)
            #expect(bobUpdate.status == 404)
            // Bob's numbering is his own.
            #expect(try await F.create(server, bob) == "1")
            #expect(try await server.client.get(F.versionPath, token: alice.accessToken).json["version"] == "2")
            #expect(try await server.client.get(F.versionPath + "/1", token: alice.accessToken)
                .json["auth_data"] == F.authData("pk1"))

            let anonymous = try await server.client.get(F.versionPath)
            #expect(anonymous.status == 401)
            #expect(anonymous.errcode == "M_MISSING_TOKEN")
            let anonymousCreate = try await server.client.post(
                F.versionPath, ["algorithm": .string(F.algorithm), "auth_data": [:]])
            #expect(anonymousCreate.status == 401)
            let anonymousKeys = try await server.client.get(F.keysPath + "?version=1")
            #expect(anonymousKeys.status == 401)
        }
    }
}
