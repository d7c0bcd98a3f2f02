import Foundation
import MatrixCore
import Testing

/// The per-user storage quotas of `[quotas]` (issue #14), through the client API: to-device inboxes and
/// message sizes, account data, filters. Rate limits stay off here (the test default), so each refusal is
/// the quota's.
@Suite struct QuotaTests {
    static func accountDataPath(_ user: TestServer.User, roomId: String? = nil, _ type: String) -> String {
        let base = "/_matrix/client/v3/user/\(TestServer.segment(user.userId))"
        guard let roomId else { return base + "/account_data/\(TestServer.segment(type))" }
        return base + "/rooms/\(TestServer.segment(roomId))/account_data/\(TestServer.segment(type))"
    }

    static func filterPath(_ user: TestServer.User) -> String {
        "/_matrix/client/v3/user/\(TestServer.segment(user.userId))/filter"
    }

    func sendToDevice(_ server: TestServer, _ sender: TestServer.User, txnId: String, _ messages: JSONValue)
        async throws -> TestResponse
    {
        try await server.client.put("/_matrix/client/v3/sendToDevice/m.test/\(txnId)", ["messages": messages],
                                    token: sender.accessToken)
    }

    func toDeviceEvents(_ server: TestServer, _ user: TestServer.User, since: String? = nil) async throws
        -> (events: [JSONValue], token: String)
    {
        var path = "/_matrix/client/v3/sync?timeout=0"
        if let since { path += "&since=\(TestServer.queryValue(since))" }
        let response = try await server.client.get(path, token: user.accessToken)
        #expect(response.status == 200, "\(response.json)")
        return (response.json["to_device"]?["events"]?.arrayValue ?? [],
                try #require(response.json["next_batch"]?.stringValue))
    }

    /// A full quota: 429 `M_LIMIT_EXCEEDED`, without `retry_after_ms` (waiting frees nothing).
    func expectFull(_ response: TestResponse, _ comment: Comment? = nil) {
        #expect(response.status == 429, comment)
        #expect(response.errcode == "M_LIMIT_EXCEEDED", comment)
        #expect(response.json["retry_after_ms"] == nil, comment)
        #expect(response.header("Retry-After") == nil, comment)
    }

    // MARK: to-device

    @Test func aFullInboxDropsItsMessagesAndTheRestOfTheRequestIsDelivered() async throws {
        try await withServer({ $0.toDeviceMaxPendingPerDevice = 3 }) { server in
            let alice = try await server.register("alice")
            let phone = try await server.loginDevice(alice, "PHONE")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            // Alice's first device never syncs: three messages fill its inbox.
            for n in 1...3 {
                #expect(try await sendToDevice(server, bob, txnId: "b\(n)",
                                               [alice.userId: [alice.deviceId: ["n": .int(Int64(n))]]]).status == 200)
            }
            // A fourth, from anyone, is dropped for that device only; `*` still reaches the phone.
            #expect(try await sendToDevice(server, carol, txnId: "c1", [alice.userId: ["*": ["n": 4]]]).status == 200)
            #expect(try await toDeviceEvents(server, phone).events.map { $0["content"]?["n"] } == [4])
            let delivered = try await toDeviceEvents(server, alice)
            #expect(delivered.events.map { $0["content"]?["n"] } == [1, 2, 3])
            // Acknowledging them (a sync from that token) makes room again.
            _ = try await toDeviceEvents(server, alice, since: delivered.token)
            #expect(try await sendToDevice(server, carol, txnId: "c2",
                                           [alice.userId: [alice.deviceId: ["n": 5]]]).status == 200)
            #expect(try await toDeviceEvents(server, alice, since: delivered.token).events
                .map { $0["content"]?["n"] } == [5])
        }
    }

    @Test func anInboxIsCappedInBytesToo() async throws {
        try await withServer({ $0.toDeviceMaxPendingBytesPerDevice = 3000 }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let padding = JSONValue.string(String(repeating: "x", count: 1000))
            for n in 1...4 {
                #expect(try await sendToDevice(server, bob, txnId: "b\(n)",
                                               [alice.userId: [alice.deviceId: ["n": .int(Int64(n)), "p": padding]]])
                    .status == 200)
            }
            // About 1 KB each: two fit under 3000 bytes, the third would pass it.
            #expect(try await toDeviceEvents(server, alice).events.map { $0["content"]?["n"] } == [1, 2])
        }
    }

    @Test func anOversizedMessageRefusesTheWholeRequest() async throws {
        try await withServer({ $0.toDeviceMaxMessageBytes = 2048 }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let big = JSONValue.string(String(repeating: "x", count: 3000))
            let refused = try await sendToDevice(server, bob, txnId: "1", [
                alice.userId: [alice.deviceId: ["small": true]], bob.userId: [bob.deviceId: ["big": big]],
            ])
            #expect(refused.status == 413)
            #expect(refused.errcode == "M_TOO_LARGE")
            #expect(try await toDeviceEvents(server, alice).events.isEmpty)
            // Nothing was recorded for the transaction either: the client may retry it smaller.
            #expect(try await sendToDevice(server, bob, txnId: "1", [alice.userId: [alice.deviceId: ["n": 1]]])
                .status == 200)
            #expect(try await toDeviceEvents(server, alice).events.count == 1)
        }
    }

    // MARK: account data

    @Test func accountDataCountsGlobalAndRoomEntriesOnceEach() async throws {
        try await withServer({ $0.accountDataMaxEntries = 3 }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            func put(_ user: TestServer.User, roomId: String? = nil, _ type: String, _ content: JSONValue)
                async throws -> TestResponse
            {
                try await server.client.put(Self.accountDataPath(user, roomId: roomId, type), content,
                                            token: user.accessToken)
            }
            #expect(try await put(alice, "a.one", ["v": 1]).status == 200)
            #expect(try await put(alice, roomId: roomId, "a.two", ["v": 2]).status == 200)
            #expect(try await put(alice, "a.three", ["v": 3]).status == 200)
            // Overwriting is not a new entry, however often.
            for v in 0..<5 { #expect(try await put(alice, "a.one", ["v": .int(Int64(v))]).status == 200) }
            expectFull(try await put(alice, "a.four", ["v": 4]))
            // Room tags are account data too.
            let tag = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(roomId))/tags/u.work",
                [:], token: alice.accessToken)
            expectFull(tag)
            // Another user has their own quota.
            #expect(try await put(bob, "a.four", ["v": 4]).status == 200)
            // `{}` deletes an entry (MSC3391): it frees its place.
            #expect(try await put(alice, roomId: roomId, "a.two", [:]).status == 200)
            #expect(try await put(alice, "a.four", ["v": 4]).status == 200)
            #expect(try await server.client.get(Self.accountDataPath(alice, "a.four"), token: alice.accessToken)
                .json == ["v": 4])
        }
    }

    @Test func accountDataBytesCountAnOverwriteAtItsNewSize() async throws {
        try await withServer({ config in
            config.accountDataMaxBytes = 5000
            config.accountDataMaxEntryBytes = 3000
        }) { server in
            let alice = try await server.register("alice")
            func put(_ type: String, size: Int) async throws -> TestResponse {
                try await server.client.put(Self.accountDataPath(alice, type),
                                            ["p": .string(String(repeating: "x", count: size))],
                                            token: alice.accessToken)
            }
            // One entry too large on its own: 413 whatever the quota holds.
            let tooLarge = try await put("a.big", size: 3100)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errcode == "M_TOO_LARGE")

            #expect(try await put("a.one", size: 2900).status == 200)
            // Rewriting the same entry at the same size many times stays within 5000 bytes.
            for _ in 0..<4 { #expect(try await put("a.one", size: 2900).status == 200) }
            #expect(try await put("a.two", size: 1500).status == 200)
            expectFull(try await put("a.three", size: 1500))
            expectFull(try await put("a.two", size: 2500))
            // Shrinking one entry frees room for another.
            #expect(try await put("a.one", size: 100).status == 200)
            #expect(try await put("a.three", size: 1500).status == 200)
        }
    }

    @Test func readMarkersAreHeldToTheAccountDataQuota() async throws {
        try await withServer({ $0.accountDataMaxEntries = 1 }) { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let eventId = try await server.sendOK(alice, roomId)
            #expect(try await server.client.put(Self.accountDataPath(alice, "a.one"), ["v": 1], token: alice.accessToken)
                .status == 200)
            let marker = try await server.client.post(server.roomPath(roomId, "read_markers"),
                                                      ["m.fully_read": .string(eventId)], token: alice.accessToken)
            expectFull(marker)
        }
    }

    // MARK: filters

    @Test func filtersAreCappedInSizeAndCountAndAKnownFilterIsStillFound() async throws {
        try await withServer({ config in
            config.filtersMaxPerUser = 2
            config.filterMaxBytes = 1024
        }) { server in
            let alice = try await server.register("alice")
            func upload(_ filter: JSONObject) async throws -> TestResponse {
                try await server.client.post(Self.filterPath(alice), .object(filter), token: alice.accessToken)
            }
            let first: JSONObject = ["room": ["timeline": ["limit": 10]], "presence": ["not_types": ["*"]]]
            #expect(try await upload(first).json == ["filter_id": "0"])
            // The same filter with its members in another order is the same canonical JSON: its ID again.
            let reordered: JSONObject = ["presence": ["not_types": ["*"]], "room": ["timeline": ["limit": 10]]]
            #expect(try await upload(reordered).json == ["filter_id": "0"])
            #expect(try await upload(["room": ["timeline": ["limit": 20]]]).json == ["filter_id": "1"])
            expectFull(try await upload(["room": ["timeline": ["limit": 30]]]))
            // At the cap, a client re-uploading a filter it has still gets its ID.
            #expect(try await upload(first).json == ["filter_id": "0"])

            let big = try await upload(["room": ["not_rooms": .array((0..<60).map { .string("!room\($0):example.org") })]])
            #expect(big.status == 413)
            #expect(big.errcode == "M_TOO_LARGE")
        }
    }

    // MARK: one-time keys

    @Test func oneTimeKeysPerDeviceAreCappedAndAnUploadOverTheCapStoresNothing() async throws {
        try await withServer({ $0.oneTimeKeysMaxPerDevice = 60 }) { server in
            let alice = try await server.register("alice")
            let key = try KeysFixture.key(1)
            func upload(_ prefix: String, count: Int, deviceKeys: Bool = false) async throws -> TestResponse {
                var body: JSONObject = [
                    "one_time_keys": .object(try KeysFixture.oneTimeKeys(
                        userId: alice.userId, deviceId: alice.deviceId, key: key, prefix: prefix, count: count)),
                ]
                if deviceKeys {
                    body["device_keys"] = .object(
                        try KeysFixture.deviceKeys(userId: alice.userId, deviceId: alice.deviceId, key: key))
                }
                return try await server.client.post("/_matrix/client/v3/keys/upload", .object(body),
                                                    token: alice.accessToken)
            }
            let first = try await upload("a", count: 50, deviceKeys: true)
            #expect(first.json["one_time_key_counts"]?["signed_curve25519"] == 50)
            expectFull(try await upload("b", count: 11))
            // The refused upload stored none of its keys; one that fits passes.
            let fits = try await upload("c", count: 10)
            #expect(fits.json["one_time_key_counts"]?["signed_curve25519"] == 60)
            // An upload that adds nothing (a retry of known keys) passes at the cap.
            #expect(try await upload("c", count: 10).status == 200)
        }
    }

    // MARK: defaults

    @Test func ordinaryUseFitsTheDefaultQuotas() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            // A client's start: its filter (again and again), a few dozen account data entries, an m.direct
            // of a few hundred chats, tags and read markers in many rooms.
            let filter: JSONObject = ["room": ["state": ["lazy_load_members": true]]]
            for _ in 0..<5 {
                #expect(try await server.client.post(Self.filterPath(alice), .object(filter), token: alice.accessToken)
                    .json == ["filter_id": "0"])
            }
            for n in 0..<40 {
                #expect(try await server.client.put(Self.accountDataPath(alice, "im.example.setting.\(n)"),
                                                    ["value": .int(Int64(n))], token: alice.accessToken).status == 200)
            }
            var direct: JSONObject = [:]
            for n in 0..<500 { direct["@friend\(n):example.org"] = [.string("!room\(n):example.org")] }
            #expect(try await server.client.put(Self.accountDataPath(alice, "m.direct"), .object(direct),
                                                token: alice.accessToken).status == 200)
            for _ in 0..<5 {
                let roomId = try await server.createRoom(alice)
                let eventId = try await server.sendOK(alice, roomId)
                #expect(try await server.client.post(server.roomPath(roomId, "read_markers"),
                                                     ["m.fully_read": .string(eventId)], token: alice.accessToken)
                    .status == 200)
            }
            // An Olm key share, a few KB a device, to a device that is offline for a while.
            let share: JSONObject = ["algorithm": "m.olm.v1.curve25519-aes-sha2",
                                     "ciphertext": .string(String(repeating: "A", count: 3000))]
            for n in 0..<200 {
                #expect(try await sendToDevice(server, bob, txnId: "share\(n)",
                                               [alice.userId: [alice.deviceId: .object(share)]]).status == 200)
            }
            #expect(try await toDeviceEvents(server, alice).events.count == 100)
        }
    }
}
