import Foundation
import MatrixCore
import Testing

@Suite struct KeysCrossSigningTests {
    /// A user's cross-signing keys (fixed seeds per user) and device key.
    struct Keys {
        let master: SigningKey
        let selfSigning: SigningKey
        let userSigning: SigningKey
        let device: SigningKey

        init(base: UInt8) throws {
            master = try KeysFixture.key(base)
            selfSigning = try KeysFixture.key(base + 1)
            userSigning = try KeysFixture.key(base + 2)
            device = try KeysFixture.key(base + 3)
        }

        func body(_ userId: String, master masterKey: SigningKey? = nil) throws -> JSONObject {
            let master = masterKey ?? self.master
            return [
                "master_key": .object(try KeysFixture.crossSigningKey(userId: userId, usage: "master", key: master)),
                "self_signing_key": .object(try KeysFixture.crossSigningKey(
                    userId: userId, usage: "self_signing", key: selfSigning, signer: master)),
                "user_signing_key": .object(try KeysFixture.crossSigningKey(
                    userId: userId, usage: "user_signing", key: userSigning, signer: master)),
            ]
        }
    }

    let password: JSONObject = [
        "type": "m.login.password", "password": .string(TestServer.password),
        "identifier": ["type": "m.id.user", "user": "alice"],
    ]

    func uploadSigning(_ server: TestServer, _ user: TestServer.User, _ body: JSONObject) async throws -> TestResponse {
        try await server.client.post("/_matrix/client/v3/keys/device_signing/upload", .object(body),
                                     token: user.accessToken)
    }

    func query(_ server: TestServer, _ viewer: TestServer.User, _ userId: String) async throws -> JSONValue {
        let response = try await server.client.post("/_matrix/client/v3/keys/query",
                                                    ["device_keys": [userId: []]], token: viewer.accessToken)
        #expect(response.status == 200)
        return response.json
    }

    func signatures(_ server: TestServer, _ user: TestServer.User, _ body: JSONObject) async throws -> TestResponse {
        try await server.client.post("/_matrix/client/v3/keys/signatures/upload", .object(body), token: user.accessToken)
    }

    @Test func firstUploadNeedsNoAuthLaterOnesDo() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let keys = try Keys(base: 20)
            let first = try await uploadSigning(server, alice, try keys.body(alice.userId))
            #expect(first.status == 200)

            let own = try await query(server, alice, alice.userId)
            #expect(own["master_keys"]?[alice.userId]?["keys"]?["ed25519:\(keys.master.publicKeyBase64)"] != nil)
            #expect(own["self_signing_keys"]?[alice.userId] != nil)
            #expect(own["user_signing_keys"]?[alice.userId]?["usage"] == ["user_signing"])
            let others = try await query(server, bob, alice.userId)
            #expect(others["master_keys"]?[alice.userId] != nil)
            #expect(others["self_signing_keys"]?[alice.userId] != nil)
            #expect(others["user_signing_keys"]?[alice.userId] == nil)

            let newMaster = try KeysFixture.key(30)
            let replacement = try keys.body(alice.userId, master: newMaster)
            let challenge = try await uploadSigning(server, alice, replacement)
            #expect(challenge.status == 401)
            #expect(challenge.json["flows"]?.arrayValue?.first?["stages"] == ["m.login.password"])
            let session = try #require(challenge.json["session"]?.stringValue)
            var auth = password
            auth["session"] = .string(session)
            var withAuth = replacement
            withAuth["auth"] = .object(auth)
            #expect(try await uploadSigning(server, alice, withAuth).status == 200)
            let replaced = try await query(server, bob, alice.userId)
            #expect(replaced["master_keys"]?[alice.userId]?["keys"]?["ed25519:\(newMaster.publicKeyBase64)"] != nil)
        }
    }

    @Test func invalidCrossSigningKeysAreRefused() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let keys = try Keys(base: 40)
            var unsignedSelf = try keys.body(alice.userId)
            unsignedSelf["self_signing_key"] = .object(try KeysFixture.crossSigningKey(
                userId: alice.userId, usage: "self_signing", key: keys.selfSigning, signer: keys.device))
            let badSignature = try await uploadSigning(server, alice, unsignedSelf)
            #expect(badSignature.status == 400)
            #expect(badSignature.errcode == "M_INVALID_SIGNATURE")

            let noMaster = try await uploadSigning(server, alice, [
                "self_signing_key": .object(try KeysFixture.crossSigningKey(
                    userId: alice.userId, usage: "self_signing", key: keys.selfSigning, signer: keys.master)),
            ])
            #expect(noMaster.errcode == "M_MISSING_PARAM")

            let wrongUsage = try await uploadSigning(server, alice, [
                "master_key": .object(try KeysFixture.crossSigningKey(userId: alice.userId, usage: "self_signing",
                                                                      key: keys.master)),
            ])
            #expect(wrongUsage.errcode == "M_INVALID_PARAM")
            let wrongUser = try await uploadSigning(server, alice, [
                "master_key": .object(try KeysFixture.crossSigningKey(userId: "@bob:\(server.serverName)",
                                                                      usage: "master", key: keys.master)),
            ])
            #expect(wrongUser.errcode == "M_INVALID_PARAM")
            let malformed = try await uploadSigning(server, alice, ["master_key": ["user_id": .string(alice.userId),
                                                                                    "usage": ["master"], "keys": 3]])
            #expect(malformed.errcode == "M_BAD_JSON")
            // Nothing was stored by the refused uploads: the next upload is still the first.
            #expect(try await uploadSigning(server, alice, try keys.body(alice.userId)).status == 200)
        }
    }

    @Test func signatureUploadChecksEachSignature() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let aliceKeys = try Keys(base: 50)
            let bobKeys = try Keys(base: 60)
            let device = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: aliceKeys.device)
            #expect(try await server.client.post("/_matrix/client/v3/keys/upload", ["device_keys": .object(device)],
                                                 token: alice.accessToken).status == 200)
            #expect(try await uploadSigning(server, alice, try aliceKeys.body(alice.userId)).status == 200)
            #expect(try await uploadSigning(server, bob, try bobKeys.body(bob.userId)).status == 200)

            let sskId = "ed25519:\(aliceKeys.selfSigning.publicKeyBase64)"
            let signedDevice = try KeysFixture.sign(device, userId: alice.userId, keyId: sskId, with: aliceKeys.selfSigning)
            let forgedDevice = try KeysFixture.sign(device, userId: alice.userId, keyId: sskId, with: aliceKeys.userSigning)
            let aliceMaster = try KeysFixture.crossSigningKey(userId: alice.userId, usage: "master", key: aliceKeys.master)
            let masterByDevice = try KeysFixture.sign(aliceMaster, userId: alice.userId,
                                                      keyId: "ed25519:\(alice.deviceId)", with: aliceKeys.device)
            let good = try await signatures(server, alice, [alice.userId: [
                alice.deviceId: .object(signedDevice),
                aliceKeys.master.publicKeyBase64: .object(masterByDevice),
            ]])
            #expect(good.status == 200)
            #expect(good.json["failures"] == [:])

            let bad = try await signatures(server, alice, [alice.userId: [
                alice.deviceId: .object(forgedDevice), "UNKNOWN": .object(signedDevice), "JUNK": 5,
            ]])
            #expect(bad.status == 200)
            let failures = bad.json["failures"]?[alice.userId]
            #expect(failures?[alice.deviceId]?["errcode"] == "M_INVALID_SIGNATURE")
            #expect(failures?["UNKNOWN"]?["errcode"] == "M_NOT_FOUND")
            #expect(failures?["JUNK"]?["errcode"] == "M_BAD_JSON")

            // Bob signs Alice's master key with his user-signing key; a wrong key ID is reported per key.
            let bobUskId = "ed25519:\(bobKeys.userSigning.publicKeyBase64)"
            let bobSignsAlice = try KeysFixture.sign(aliceMaster, userId: bob.userId, keyId: bobUskId,
                                                     with: bobKeys.userSigning)
            let forgedByBob = try KeysFixture.sign(aliceMaster, userId: bob.userId, keyId: bobUskId, with: bobKeys.master)
            let mixed = try await signatures(server, bob, [alice.userId: [
                aliceKeys.master.publicKeyBase64: .object(forgedByBob),
            ]])
            #expect(mixed.json["failures"]?[alice.userId]?[aliceKeys.master.publicKeyBase64]?["errcode"]
                == "M_INVALID_SIGNATURE")
            let cross = try await signatures(server, bob, [alice.userId: [
                aliceKeys.master.publicKeyBase64: .object(bobSignsAlice),
            ]])
            #expect(cross.json["failures"] == [:])

            let bobView = try await query(server, bob, alice.userId)
            #expect(bobView["device_keys"]?[alice.userId]?[alice.deviceId]?["signatures"]?[alice.userId]?[sskId] != nil)
            let bobSeesMaster = bobView["master_keys"]?[alice.userId]?["signatures"]
            #expect(bobSeesMaster?[bob.userId]?[bobUskId] != nil)
            #expect(bobSeesMaster?[alice.userId]?["ed25519:\(alice.deviceId)"] != nil)
            // Bob's signature on Alice's master key is his own business: Carol does not see it.
            let carolView = try await query(server, carol, alice.userId)
            #expect(carolView["master_keys"]?[alice.userId]?["signatures"]?[bob.userId] == nil)
            #expect(carolView["master_keys"]?[alice.userId]?["signatures"]?[alice.userId]?["ed25519:\(alice.deviceId)"]
                != nil)
        }
    }
}
