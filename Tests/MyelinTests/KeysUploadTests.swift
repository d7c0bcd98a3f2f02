import Foundation
import MatrixCore
import Testing

@Suite struct KeysUploadQueryClaimTests {
    func upload(_ server: TestServer, _ user: TestServer.User, _ body: JSONObject) async throws -> TestResponse {
        try await server.client.post("/_matrix/client/v3/keys/upload", .object(body), token: user.accessToken)
    }

    func query(_ server: TestServer, _ viewer: TestServer.User, _ wanted: JSONObject) async throws -> TestResponse {
        try await server.client.post("/_matrix/client/v3/keys/query", ["device_keys": .object(wanted)],
                                     token: viewer.accessToken)
    }

    func claim(_ server: TestServer, _ claimer: TestServer.User, _ owner: TestServer.User) async throws -> JSONValue? {
        let response = try await server.client.post(
            "/_matrix/client/v3/keys/claim",
            ["one_time_keys": [owner.userId: [owner.deviceId: "signed_curve25519"]]], token: claimer.accessToken)
        #expect(response.status == 200)
        return response.json["one_time_keys"]?[owner.userId]?[owner.deviceId]
    }

    @Test func uploadQueryClaimRoundTrip() async throws {
        try await withServer { server in
            let alice = try await server.register("alice", extra: ["initial_device_display_name": "Phone"])
            let bob = try await server.register("bob")
            let key = try KeysFixture.key(1)
            let device = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            let otks = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                   prefix: "A", count: 2)
            let uploaded = try await upload(server, alice, ["device_keys": .object(device), "one_time_keys": .object(otks)])
            #expect(uploaded.status == 200)
            #expect(uploaded.json["one_time_key_counts"]?["signed_curve25519"] == 2)

            let all = try await query(server, bob, [alice.userId: []])
            #expect(all.status == 200)
            #expect(all.json["failures"] == [:])
            let seen = try #require(all.json["device_keys"]?[alice.userId]?[alice.deviceId]?.objectValue)
            #expect(seen["keys"] == device["keys"])
            #expect(seen["signatures"] == device["signatures"])
            #expect(seen["unsigned"]?["device_display_name"] == "Phone")
            let named = try await query(server, bob, [alice.userId: [.string(alice.deviceId), "NOPE"]])
            #expect(named.json["device_keys"]?[alice.userId]?.objectValue?.keys == [alice.deviceId])
            let unknown = try await query(server, bob, ["@nobody:\(server.serverName)": []])
            #expect(unknown.json["device_keys"]?["@nobody:\(server.serverName)"] == [:])

            let claimed = try #require(try await claim(server, bob, alice)?.objectValue)
            #expect(claimed.keys == ["signed_curve25519:A0"])
            #expect(claimed["signed_curve25519:A0"] == otks["signed_curve25519:A0"])
            let counts = try await upload(server, alice, [:])
            #expect(counts.json["one_time_key_counts"]?["signed_curve25519"] == 1)
        }
    }

    @Test func oneTimeKeysRunOutThenFallbackKeyIsServed() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let key = try KeysFixture.key(2)
            let device = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            let otks = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                   prefix: "A", count: 1)
            let fallback = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                       prefix: "F", count: 1, fallback: true)
            let uploaded = try await upload(server, alice, [
                "device_keys": .object(device), "one_time_keys": .object(otks), "fallback_keys": .object(fallback),
            ])
            #expect(uploaded.status == 200)
            #expect(uploaded.json["one_time_key_counts"]?["signed_curve25519"] == 1)

            #expect(try await claim(server, bob, alice)?.objectValue?.keys == ["signed_curve25519:A0"])
            let first = try #require(try await claim(server, bob, alice)?.objectValue)
            #expect(first.keys == ["signed_curve25519:F0"])
            #expect(first["signed_curve25519:F0"]?["fallback"] == true)
            // The fallback key is not consumed: it keeps being served until replaced.
            #expect(try await claim(server, bob, alice)?.objectValue?.keys == ["signed_curve25519:F0"])

            let replacement = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                          prefix: "G", count: 1, fallback: true)
            #expect(try await upload(server, alice, ["fallback_keys": .object(replacement)]).status == 200)
            #expect(try await claim(server, bob, alice)?.objectValue?.keys == ["signed_curve25519:G0"])
        }
    }

    @Test func oneTimeKeysAreClaimedInTheOrderTheyWereUploaded() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let key = try KeysFixture.key(4)
            let device = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            // Uploaded first, though their IDs sort last.
            let early = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                    prefix: "Z", count: 2)
            let late = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                   prefix: "A", count: 1)
            #expect(try await upload(server, alice, ["device_keys": .object(device), "one_time_keys": .object(early)])
                .status == 200)
            #expect(try await upload(server, alice, ["one_time_keys": .object(late)]).status == 200)
            let first = try #require(try await claim(server, bob, alice)?.objectValue?.keys.first)
            let second = try #require(try await claim(server, bob, alice)?.objectValue?.keys.first)
            #expect(Set([first, second]) == ["signed_curve25519:Z0", "signed_curve25519:Z1"])
            #expect(try await claim(server, bob, alice)?.objectValue?.keys == ["signed_curve25519:A0"])
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let key = try KeysFixture.key(3)
            let wrongUser = try KeysFixture.deviceKeys(userId: bob.userId, deviceId: alice.deviceId, key: key)
            let r1 = try await upload(server, alice, ["device_keys": .object(wrongUser)])
            #expect(r1.status == 400)
            #expect(r1.errcode == "M_INVALID_PARAM")
            let wrongDevice = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: "OTHER", key: key)
            #expect(try await upload(server, alice, ["device_keys": .object(wrongDevice)]).errcode == "M_INVALID_PARAM")

            // Claims the device key of `key` but is signed by another key.
            var unsigned = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            unsigned["signatures"] = nil
            let forged = try KeysFixture.sign(unsigned, userId: alice.userId, keyId: "ed25519:\(alice.deviceId)",
                                              with: try KeysFixture.key(4))
            let r2 = try await upload(server, alice, ["device_keys": .object(forged)])
            #expect(r2.status == 400)
            #expect(r2.errcode == "M_INVALID_SIGNATURE")

            var malformed = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            malformed["keys"] = ["ed25519:\(alice.deviceId)": 5]
            #expect(try await upload(server, alice, ["device_keys": .object(malformed)]).errcode == "M_BAD_JSON")
            #expect(try await upload(server, alice, ["device_keys": "x"]).errcode == "M_BAD_JSON")

            let good = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)
            #expect(try await upload(server, alice, ["device_keys": .object(good)]).status == 200)
            #expect(try await upload(server, alice, ["device_keys": .object(good)]).status == 200)
            let different = try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key,
                                                       curveSeed: 10)
            let r3 = try await upload(server, alice, ["device_keys": .object(different)])
            #expect(r3.status == 400)
            #expect(r3.errcode == "M_INVALID_PARAM")
            let stillOld = try await query(server, bob, [alice.userId: []])
            #expect(stillOld.json["device_keys"]?[alice.userId]?[alice.deviceId]?["keys"] == good["keys"])

            #expect(try await upload(server, alice, ["one_time_keys": "x"]).errcode == "M_BAD_JSON")
            #expect(try await upload(server, alice, ["one_time_keys": ["nocolon": ["key": "x"]]]).errcode == "M_BAD_JSON")
            #expect(try await upload(server, alice, ["one_time_keys": ["signed_curve25519:X": 7]]).errcode == "M_BAD_JSON")
            #expect(try await upload(server, alice, ["one_time_keys": ["signed_curve25519:X": "bare"]]).errcode
                == "M_BAD_JSON")
            let badlySigned = try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId,
                                                          key: try KeysFixture.key(4), prefix: "B", count: 1)
            let r4 = try await upload(server, alice, ["one_time_keys": .object(badlySigned)])
            #expect(r4.status == 400)
            #expect(r4.errcode == "M_INVALID_SIGNATURE")
            let counts = try await upload(server, alice, [:])
            #expect(counts.json["one_time_key_counts"]?["signed_curve25519"] == 0)

            let missing = try await server.client.post("/_matrix/client/v3/keys/query", [:], token: bob.accessToken)
            #expect(missing.errcode == "M_MISSING_PARAM")
        }
    }

    @Test func deletingADeviceRemovesItsKeys() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let second = try await server.loginDevice(alice, "SECOND")
            for (user, seed) in [(alice, UInt8(5)), (second, UInt8(6))] {
                let key = try KeysFixture.key(seed)
                let body: JSONObject = [
                    "device_keys": .object(try KeysFixture.deviceKeys(userId: user.userId, deviceId: user.deviceId, key: key)),
                    "one_time_keys": .object(try KeysFixture.oneTimeKeys(userId: user.userId, deviceId: user.deviceId,
                                                                         key: key, prefix: "A", count: 1)),
                ]
                #expect(try await upload(server, user, body).status == 200)
            }
            let before = try await query(server, bob, [alice.userId: []])
            #expect(before.json["device_keys"]?[alice.userId]?.objectValue?.count == 2)

            try await server.deleteDeviceOK(alice, "SECOND")
            let after = try await query(server, bob, [alice.userId: []])
            #expect(after.json["device_keys"]?[alice.userId]?.objectValue?.keys == [alice.deviceId])
            #expect(try await claim(server, bob, second) == nil)
        }
    }

    @Test func remoteUsersAreReportedAsFailures() async throws {
        try await withServer { server in
            let bob = try await server.register("bob")
            let response = try await query(server, bob, ["@carol:elsewhere.example": []])
            #expect(response.status == 200)
            #expect(response.json["failures"]?["elsewhere.example"]?["status"] == 503)
            #expect(response.json["device_keys"] == [:])
        }
    }
}
