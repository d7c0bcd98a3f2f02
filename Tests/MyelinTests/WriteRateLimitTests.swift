import Foundation
import MatrixCore
import MyelinServer
import Testing

/// The rate limits on writes a user can repeat (issue #14), through the client API: each has its own
/// bucket, refusals are 429 `M_LIMIT_EXCEEDED` with `retry_after_ms`, to-device is charged per message,
/// and the defaults let a client's ordinary start through.
@Suite struct WriteRateLimitTests {
    /// Rate limits on, with room for the setup's registrations and logins.
    static func limited(_ configure: @escaping (inout MyelinConfig) -> Void = { _ in })
        -> (inout MyelinConfig) -> Void
    {
        { config in
            config.rateLimitEnabled = true
            config.registrationBurst = 1000
            config.loginBurst = 1000
            configure(&config)
        }
    }

    func expectLimited(_ response: TestResponse, _ comment: Comment? = nil) {
        #expect(response.status == 429, comment)
        #expect(response.errcode == "M_LIMIT_EXCEEDED", comment)
        let retry = response.json["retry_after_ms"]?.intValue
        #expect((retry ?? 0) > 0, comment)
        #expect(response.header("Retry-After") != nil, comment)
    }

    func sendToDevice(_ server: TestServer, _ sender: TestServer.User, txnId: String, to user: String,
                      devices: Int) async throws -> TestResponse {
        var byDevice: JSONObject = [:]
        for n in 0..<devices { byDevice["DEVICE\(n)"] = ["n": .int(Int64(n))] }
        return try await server.client.put("/_matrix/client/v3/sendToDevice/m.test/\(txnId)",
                                           ["messages": [user: .object(byDevice)]], token: sender.accessToken)
    }

    @Test func toDeviceIsChargedPerMessagePerSender() async throws {
        try await withServer(Self.limited { config in
            config.toDeviceBurst = 10
            config.toDevicePerSecond = 0.001
        }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            #expect(try await sendToDevice(server, bob, txnId: "1", to: alice.userId, devices: 8).status == 200)
            // Two tokens left: a request of three messages is refused, one of two is not.
            expectLimited(try await sendToDevice(server, bob, txnId: "2", to: alice.userId, devices: 3))
            #expect(try await sendToDevice(server, bob, txnId: "3", to: alice.userId, devices: 2).status == 200)
            expectLimited(try await sendToDevice(server, bob, txnId: "4", to: alice.userId, devices: 1))
            // The bucket is the sender's.
            #expect(try await sendToDevice(server, carol, txnId: "1", to: alice.userId, devices: 10).status == 200)
        }
    }

    @Test func aRequestLargerThanTheBurstPassesOnAFullBucketAndLeavesItInDebt() async throws {
        try await withServer(Self.limited { config in
            config.toDeviceBurst = 5
            config.toDevicePerSecond = 0.001
        }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            #expect(try await sendToDevice(server, bob, txnId: "1", to: alice.userId, devices: 20).status == 200)
            let refused = try await sendToDevice(server, bob, txnId: "2", to: alice.userId, devices: 1)
            expectLimited(refused)
            // The debt (15 tokens) and the next token are waited for: far more than one token's wait.
            #expect((refused.json["retry_after_ms"]?.intValue ?? 0) > 10 * 1000 * 1000)
        }
    }

    @Test func exemptUsersAreNotChargedForToDevice() async throws {
        try await withServer(Self.limited { config in
            config.toDeviceBurst = 1
            config.toDevicePerSecond = 0.001
            config.rateLimitExemptUsers = ["@bob:localhost"]
        }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            for n in 0..<3 {
                #expect(try await sendToDevice(server, bob, txnId: "\(n)", to: alice.userId, devices: 5).status == 200)
            }
        }
    }

    /// Every new limit at a burst of one: the second request of each kind is refused, and each kind has
    /// its own bucket (the first request of the next kind passes after the previous kind was refused).
    @Test func eachWriteHasItsOwnLimit() async throws {
        try await withServer(Self.limited { config in
            let slow = 0.001
            config.accountDataBurst = 2
            config.accountDataPerSecond = slow
            config.filterBurst = 1
            config.filterPerSecond = slow
            config.profileBurst = 1
            config.profilePerSecond = slow
            config.roomCreationBurst = 1
            config.roomCreationPerSecond = slow
            config.inviteBurst = 1
            config.invitePerSecond = slow
            config.keyUploadBurst = 3
            config.keyUploadPerSecond = slow
            config.keyBackupBurst = 2
            config.keyBackupPerSecond = slow
            config.reportBurst = 1
            config.reportPerSecond = slow
            config.directoryBurst = 2
            config.directoryPerSecond = slow
        }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let user = "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))"
            let token = alice.accessToken

            // Room creation.
            let roomId = try await server.createRoom(alice)
            expectLimited(try await server.client.post("/_matrix/client/v3/createRoom", [:], token: token), "createRoom")

            // Invites, in their own bucket rather than the message one.
            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            expectLimited(try await server.invite(alice, roomId, carol.userId), "invite")
            let eventId = try await server.sendOK(alice, roomId)

            // Account data, global and per room, and tags share one bucket.
            #expect(try await server.client.put(user + "/account_data/a.one", ["v": 1], token: token).status == 200)
            #expect(try await server.client.put(user + "/rooms/\(TestServer.segment(roomId))/account_data/a.two",
                                                ["v": 2], token: token).status == 200)
            expectLimited(try await server.client.put(
                user + "/rooms/\(TestServer.segment(roomId))/tags/u.work", [:], token: token), "tags")

            // Filters.
            #expect(try await server.client.post(user + "/filter", [:], token: token).status == 200)
            expectLimited(try await server.client.post(user + "/filter", ["room": [:]], token: token), "filter")

            // Profile changes, no longer in the message bucket.
            let profile = "/_matrix/client/v3/profile/\(TestServer.segment(alice.userId))/displayname"
            #expect(try await server.client.put(profile, ["displayname": "Alice"], token: token).status == 200)
            expectLimited(try await server.client.put(profile, ["displayname": "Alicia"], token: token), "profile")
            #expect(try await server.sendOK(alice, roomId, "still talking").isEmpty == false)

            // Key uploads: the three upload endpoints share a bucket.
            #expect(try await server.client.post("/_matrix/client/v3/keys/upload", [:], token: token).status == 200)
            #expect(try await server.client.post("/_matrix/client/v3/keys/signatures/upload", [:], token: token)
                .status != 429)
            #expect(try await server.client.post("/_matrix/client/v3/keys/device_signing/upload", [:], token: token)
                .status != 429)
            expectLimited(try await server.client.post("/_matrix/client/v3/keys/upload", [:], token: token), "keys")

            // Key backup writes.
            let version = try await server.client.post(
                "/_matrix/client/v3/room_keys/version",
                ["algorithm": "m.megolm_backup.v1.curve25519-aes-sha2", "auth_data": ["public_key": "abc"]],
                token: token)
            #expect(version.status == 200)
            let number = try #require(version.json["version"]?.stringValue)
            #expect(try await server.client.put("/_matrix/client/v3/room_keys/keys?version=\(number)", ["rooms": [:]],
                                                token: token).status == 200)
            expectLimited(try await server.client.put("/_matrix/client/v3/room_keys/keys?version=\(number)",
                                                      ["rooms": [:]], token: token), "room_keys")

            // Reports.
            let report = server.roomPath(roomId, "report/\(TestServer.segment(eventId))")
            #expect(try await server.client.post(report, ["reason": "test"], token: token).status == 200)
            expectLimited(try await server.client.post(report, ["reason": "again"], token: token), "report")

            // Aliases and directory visibility.
            let alias = "/_matrix/client/v3/directory/room/\(TestServer.segment("#quota:localhost"))"
            #expect(try await server.client.put(alias, ["room_id": .string(roomId)], token: token).status == 200)
            let visibility = "/_matrix/client/v3/directory/list/room/\(TestServer.segment(roomId))"
            #expect(try await server.client.put(visibility, ["visibility": "public"], token: token).status == 200)
            expectLimited(try await server.client.put(visibility, ["visibility": "private"], token: token), "directory")

            // Limits are per user: Bob's first writes of each kind pass.
            let bobUser = "/_matrix/client/v3/user/\(TestServer.segment(bob.userId))"
            #expect(try await server.client.put(bobUser + "/account_data/a.one", ["v": 1], token: bob.accessToken)
                .status == 200)
            #expect(try await server.client.post(bobUser + "/filter", [:], token: bob.accessToken).status == 200)
            #expect(try await server.client.post("/_matrix/client/v3/createRoom", [:], token: bob.accessToken)
                .status == 200)
        }
    }

    /// What a client does at its start and in a busy first minute, under the default limits: nothing is
    /// refused. (Registration and login limits are raised for the setup only.)
    @Test func theDefaultsLetAClientsStartThrough() async throws {
        try await withServer(Self.limited()) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let user = "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))"
            let token = alice.accessToken
            func ok(_ response: TestResponse, _ what: String) {
                #expect(response.status != 429, "\(what) was rate limited: \(response.json)")
            }
            // Filters (Element uploads one or two), account data, keys.
            for n in 0..<3 { ok(try await server.client.post(user + "/filter", ["room": ["timeline": ["limit": .int(Int64(n))]]], token: token), "filter") }
            for n in 0..<20 {
                ok(try await server.client.put(user + "/account_data/im.example.\(n)", ["v": 1], token: token),
                   "account data")
            }
            let key = try KeysFixture.key(1)
            ok(try await server.client.post("/_matrix/client/v3/keys/upload", [
                "device_keys": .object(try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key)),
            ], token: token), "device keys")
            for batch in 0..<5 {
                ok(try await server.client.post("/_matrix/client/v3/keys/upload", [
                    "one_time_keys": .object(try KeysFixture.oneTimeKeys(userId: alice.userId, deviceId: alice.deviceId,
                                                                          key: key, prefix: "b\(batch)_", count: 50)),
                ], token: token), "one-time keys")
            }
            ok(try await server.client.post("/_matrix/client/v3/keys/device_signing/upload", [:], token: token),
               "cross-signing")
            ok(try await server.client.post("/_matrix/client/v3/keys/signatures/upload", [:], token: token),
               "signatures")
            // A first key backup: a version, then keys in a few dozen quick batches.
            let version = try await server.client.post(
                "/_matrix/client/v3/room_keys/version",
                ["algorithm": "m.megolm_backup.v1.curve25519-aes-sha2", "auth_data": ["public_key": "abc"]],
                token: token)
            ok(version, "backup version")
            let number = version.json["version"]?.stringValue ?? "1"
            for _ in 0..<40 {
                ok(try await server.client.put("/_matrix/client/v3/room_keys/keys?version=\(number)", ["rooms": [:]],
                                               token: token), "room keys")
            }
            // A few rooms, invites, tags, a profile.
            for n in 0..<5 {
                let roomId = try await server.createRoom(alice)
                ok(try await server.invite(alice, roomId, bob.userId), "invite")
                ok(try await server.client.put(user + "/rooms/\(TestServer.segment(roomId))/tags/u.\(n)", [:],
                                               token: token), "tag")
            }
            let profile = "/_matrix/client/v3/profile/\(TestServer.segment(alice.userId))"
            ok(try await server.client.put(profile + "/displayname", ["displayname": "Alice"], token: token), "name")
            ok(try await server.client.put(profile + "/avatar_url", ["avatar_url": "mxc://localhost/abc"], token: token),
               "avatar")
            // Olm key shares to every device of a big room, twice, in one burst.
            ok(try await sendToDevice(server, alice, txnId: "share1", to: bob.userId, devices: 200), "key share")
            ok(try await sendToDevice(server, alice, txnId: "share2", to: bob.userId, devices: 200), "key share")
        }
    }
}
