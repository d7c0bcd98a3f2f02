import Foundation
import MatrixCore
import Testing

/// Device list tracking: `device_lists` and the key counts in `/sync`, and `GET /keys/changes`.
@Suite struct DeviceListTests {
    func sync(_ server: TestServer, _ user: TestServer.User, since: String? = nil, timeout: Int = 0) async throws
        -> TestResponse
    {
        var path = "/_matrix/client/v3/sync?timeout=\(timeout)"
        if let since { path += "&since=\(TestServer.queryValue(since))" }
        let response = try await server.client.get(path, token: user.accessToken)
        #expect(response.status == 200, "\(response.json)")
        return response
    }

    func token(_ response: TestResponse) throws -> String {
        try #require(response.json["next_batch"]?.stringValue)
    }

    func changed(_ response: TestResponse) -> [String] {
        (response.json["device_lists"]?["changed"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    func left(_ response: TestResponse) -> [String] {
        (response.json["device_lists"]?["left"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Uploads signed identity keys (and optionally one-time and fallback keys) for the user's device.
    func uploadKeys(_ server: TestServer, _ user: TestServer.User, seed: UInt8, oneTimeKeys: Int = 0,
                    fallback: Bool = false) async throws {
        let key = try KeysFixture.key(seed)
        var body: JSONObject = [
            "device_keys": .object(try KeysFixture.deviceKeys(userId: user.userId, deviceId: user.deviceId, key: key)),
        ]
        if oneTimeKeys > 0 {
            body["one_time_keys"] = .object(try KeysFixture.oneTimeKeys(
                userId: user.userId, deviceId: user.deviceId, key: key, prefix: "otk", count: oneTimeKeys))
        }
        if fallback {
            body["fallback_keys"] = .object(try KeysFixture.oneTimeKeys(
                userId: user.userId, deviceId: user.deviceId, key: key, prefix: "fb", count: 1, fallback: true))
        }
        let response = try await server.client.post("/_matrix/client/v3/keys/upload", .object(body),
                                                    token: user.accessToken)
        #expect(response.status == 200, "\(response.json)")
    }

    func keysChanges(_ server: TestServer, _ user: TestServer.User, from: String, to: String) async throws
        -> TestResponse
    {
        try await server.client.get(
            "/_matrix/client/v3/keys/changes?from=\(TestServer.queryValue(from))&to=\(TestServer.queryValue(to))",
            token: user.accessToken)
    }

    @Test func keysOfRoomMatesShowAsChangedAndStrangersDoNot() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let start = try token(try await sync(server, alice))
            try await uploadKeys(server, bob, seed: 2)
            try await uploadKeys(server, carol, seed: 3)
            let next = try await sync(server, alice, since: start)
            #expect(changed(next) == [bob.userId])
            #expect(left(next) == [])
            // /keys/changes between the same tokens says the same.
            let changes = try await keysChanges(server, alice, from: start, to: try token(next))
            #expect(changes.status == 200)
            #expect(changes.json == ["changed": [.string(bob.userId)], "left": []])
            // Nothing more since then.
            let quiet = try await sync(server, alice, since: try token(next))
            #expect(changed(quiet) == [])
            // Initial syncs carry no device_lists.
            #expect(try await sync(server, alice).json["device_lists"] == nil)
        }
    }

    @Test func joiningAndLeavingRoomsChangeTheLists() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            let start = try token(try await sync(server, alice))
            // Bob now shares a room: his keys must be fetched.
            try await server.joinOK(bob, roomId)
            let joined = try await sync(server, alice, since: start)
            #expect(changed(joined) == [bob.userId])
            // Bob leaves: he shares no room with Alice any more.
            try await server.leaveOK(bob, roomId)
            let afterLeave = try await sync(server, alice, since: try token(joined))
            #expect(left(afterLeave) == [bob.userId])
            #expect(changed(afterLeave) == [])
            // Bob's later key changes do not concern Alice.
            try await uploadKeys(server, bob, seed: 2)
            #expect(changed(try await sync(server, alice, since: try token(afterLeave))) == [])
            // Joining a room where Bob is: Bob is "changed" for Alice, and Alice for Bob.
            let bobRoom = try await server.createRoom(bob, ["preset": "public_chat"])
            let aliceBefore = try token(try await sync(server, alice))
            let bobBefore = try token(try await sync(server, bob))
            try await server.joinOK(alice, bobRoom)
            #expect(changed(try await sync(server, alice, since: aliceBefore)) == [bob.userId])
            #expect(changed(try await sync(server, bob, since: bobBefore)) == [alice.userId])
            // Alice leaves Bob's room: for Alice, Bob has left.
            let beforeAliceLeaves = try token(try await sync(server, alice))
            try await server.leaveOK(alice, bobRoom)
            #expect(left(try await sync(server, alice, since: beforeAliceLeaves)) == [bob.userId])
        }
    }

    @Test func ownNewDevicesAndDeletedDevicesCount() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let aliceStart = try token(try await sync(server, alice))
            let bobStart = try token(try await sync(server, bob))
            let phone = try await server.loginDevice(alice, "PHONE")
            try await uploadKeys(server, phone, seed: 7)
            // Alice's first device learns of her new one; so does Bob.
            #expect(changed(try await sync(server, alice, since: aliceStart)) == [alice.userId])
            let bobSeesNew = try await sync(server, bob, since: bobStart)
            #expect(changed(bobSeesNew) == [alice.userId])

            try await server.deleteDeviceOK(alice, "PHONE")
            #expect(changed(try await sync(server, bob, since: try token(bobSeesNew))) == [alice.userId])
        }
    }

    @Test func crossSigningUploadsCount() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let start = try token(try await sync(server, bob))
            let master = try KeysFixture.key(20)
            let response = try await server.client.post(
                "/_matrix/client/v3/keys/device_signing/upload",
                ["master_key": .object(try KeysFixture.crossSigningKey(userId: alice.userId, usage: "master", key: master))],
                token: alice.accessToken)
            #expect(response.status == 200, "\(response.json)")
            #expect(changed(try await sync(server, bob, since: start)) == [alice.userId])
        }
    }

    @Test func aWaitingSyncWakesForARoomMatesNewKeys() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let start = try token(try await sync(server, alice))
            let started = ContinuousClock.now
            async let waiting = sync(server, alice, since: start, timeout: 180_000)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            try await uploadKeys(server, bob, seed: 2)
            #expect(changed(try await waiting) == [bob.userId])
            // Woken by the upload, not by the 180 s timeout (a bound to tell the two apart, not a figure).
            #expect(ContinuousClock.now - started < .seconds(120))
        }
    }

    @Test func syncCountsOneTimeKeysAndUnusedFallbackKeys() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let empty = try await sync(server, alice)
            #expect(empty.json["device_one_time_keys_count"] == ["signed_curve25519": 0])
            #expect(empty.json["device_unused_fallback_key_types"] == [])
            try await uploadKeys(server, alice, seed: 1, oneTimeKeys: 2, fallback: true)
            let stocked = try await sync(server, alice)
            #expect(stocked.json["device_one_time_keys_count"] == ["signed_curve25519": 2])
            #expect(stocked.json["device_unused_fallback_key_types"] == ["signed_curve25519"])
            // Claims take the one-time keys, then the fallback key, which is then used.
            for _ in 0..<3 {
                let claim = try await server.client.post(
                    "/_matrix/client/v3/keys/claim",
                    ["one_time_keys": [alice.userId: [alice.deviceId: "signed_curve25519"]]], token: bob.accessToken)
                #expect(claim.status == 200)
            }
            let drained = try await sync(server, alice, since: try token(stocked))
            #expect(drained.json["device_one_time_keys_count"] == ["signed_curve25519": 0])
            #expect(drained.json["device_unused_fallback_key_types"] == [])
        }
    }

    @Test func keysChangesRefusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let now = try token(try await sync(server, alice))
            let missingFrom = try await server.client.get("/_matrix/client/v3/keys/changes?to=\(now)",
                                                          token: alice.accessToken)
            #expect(missingFrom.status == 400)
            #expect(missingFrom.json["errcode"] == "M_MISSING_PARAM")
            let missingTo = try await server.client.get("/_matrix/client/v3/keys/changes?from=\(now)",
                                                        token: alice.accessToken)
            #expect(missingTo.status == 400)
            #expect(missingTo.json["errcode"] == "M_MISSING_PARAM")
            let garbage = try await keysChanges(server, alice, from: "yesterday", to: now)
            #expect(garbage.status == 400)
            #expect(garbage.json["errcode"] == "M_INVALID_PARAM")
            let anonymous = try await server.client.get("/_matrix/client/v3/keys/changes?from=\(now)&to=\(now)")
            #expect(anonymous.status == 401)
            let same = try await keysChanges(server, alice, from: now, to: now)
            #expect(same.json == ["changed": [], "left": []])
        }
    }
}
