import Foundation
import MatrixCore
import Testing

/// Sliding sync positions, connections, long-polling, extensions and refusals.
@Suite struct SlidingSyncConnectionTests {
    @Test func unknownAndMalformedPositionsAreRefusedWithUnknownPos() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await server.createRoom(alice)
            let body: JSONObject = ["lists": ["all": TestServer.slidingList()]]
            for pos in ["99/s1_0_0_0_0_0_0", "garbage", "1/x", "-1/s1"] {
                let response = try await server.slidingSync(alice, body, pos: pos)
                #expect(response.status == 400, "\(pos)")
                #expect(response.errcode == "M_UNKNOWN_POS", "\(pos)")
            }
            // Starting again works.
            #expect(try await server.slidingSync(alice, body).status == 200)
        }
    }

    @Test func twoConnectionsOfOneDeviceAreKeptApartAndARetryReusesItsPosition() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["name": "Room"])
            let list: JSONObject = ["all": TestServer.slidingList()]
            let main = try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)])
            let other = try await server.slidingSync(alice, ["conn_id": "encryption", "lists": .object(list)])
            let mainPos = try #require(main.json["pos"]?.stringValue)
            let otherPos = try #require(other.json["pos"]?.stringValue)
            // A position belongs to its connection.
            let crossed = try await server.slidingSync(alice, ["conn_id": "encryption", "lists": .object(list)], pos: mainPos)
            #expect(crossed.errcode == "M_UNKNOWN_POS")
            _ = try await server.sendOK(alice, roomId, "news")
            let first = try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)], pos: mainPos)
            #expect(first.json["rooms"]?[roomId]?.timelineBodies == ["news"])
            // The client did not get that answer and retries with the same position: same news again.
            let retry = try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)], pos: mainPos)
            #expect(retry.json["rooms"]?[roomId]?.timelineBodies == ["news"])
            // The other connection is unaffected by main's progress.
            let second = try await server.slidingSync(alice, ["conn_id": "encryption", "lists": .object(list)], pos: otherPos)
            #expect(second.json["rooms"]?[roomId]?.timelineBodies == ["news"])
            // Once the client moves on to a newer connection state, the one before is gone.
            let next = try #require(retry.json["pos"]?.stringValue)
            let newRoom = try await server.createRoom(alice, ["name": "New"])
            let moved = try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)], pos: next)
            #expect(moved.json["rooms"]?[newRoom]?["initial"] == true)
            let newer = try #require(moved.json["pos"]?.stringValue)
            #expect(newer.split(separator: "/").first != mainPos.split(separator: "/").first)
            #expect(try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)], pos: newer).status == 200)
            let stale = try await server.slidingSync(alice, ["conn_id": "main", "lists": .object(list)], pos: mainPos)
            #expect(stale.errcode == "M_UNKNOWN_POS")
        }
    }

    @Test func aDeviceKeepsAtMostTenConnectionsAndTheOldestGoes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await server.createRoom(alice)
            var positions: [String] = []
            for n in 0..<11 {
                let response = try await server.slidingSync(alice, ["conn_id": .string("c\(n)"),
                                                                    "lists": ["all": TestServer.slidingList()]])
                positions.append(try #require(response.json["pos"]?.stringValue))
            }
            let evicted = try await server.slidingSync(alice, ["conn_id": "c0", "lists": ["all": TestServer.slidingList()]],
                                                       pos: positions[0])
            #expect(evicted.errcode == "M_UNKNOWN_POS")
            let kept = try await server.slidingSync(alice, ["conn_id": "c10", "lists": ["all": TestServer.slidingList()]],
                                                    pos: positions[10])
            #expect(kept.status == 200)
        }
    }

    @Test func aLongPollIsWokenByANewEventAndTimesOutEmptyOtherwise() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let body: JSONObject = ["lists": ["all": TestServer.slidingList()]]
            let first = try await server.slidingSync(alice, body)
            let pos = try #require(first.json["pos"]?.stringValue)
            let quiet = try await server.slidingSync(alice, body, pos: pos, timeout: 200)
            #expect(quiet.status == 200)
            #expect(quiet.json["rooms"] == .object([:]))
            async let waiting = server.slidingSync(alice, body, pos: pos, timeout: 30_000)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await server.sendOK(bob, roomId, "wake")
            let woken = try await waiting
            #expect(woken.json["rooms"]?[roomId]?.timelineBodies == ["wake"])
            #expect(woken.json["rooms"]?[roomId]?["num_live"] == 1)
        }
    }

    @Test func extensionsCarryToDeviceE2EEAccountDataReceiptsAndTyping() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let eventId = try await server.sendOK(bob, roomId, "read me")
            _ = try await server.receipt(bob, roomId, "m.read", eventId)
            _ = try await server.client.put("/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/m.test",
                                            ["x": 1], token: alice.accessToken)
            _ = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(roomId))/account_data/m.room.test",
                ["y": 2], token: alice.accessToken)
            _ = try await server.client.put("/_matrix/client/v3/sendToDevice/m.test/t1",
                                            ["messages": .object([alice.userId: .object([alice.deviceId: ["n": 1]])])],
                                            token: bob.accessToken)
            let extensions: JSONObject = [
                "to_device": ["enabled": true], "e2ee": ["enabled": true], "account_data": ["enabled": true],
                "receipts": ["enabled": true], "typing": ["enabled": true],
                "unknown_extension": ["enabled": true],
            ]
            let body: JSONObject = ["lists": ["all": TestServer.slidingList()], "extensions": .object(extensions)]
            let first = try await server.slidingSync(alice, body)
            #expect(first.status == 200)
            let ext = try #require(first.json["extensions"])
            #expect(ext["to_device"]?["events"]?.arrayValue?.first?["content"]?["n"] == 1)
            let toDeviceSince = try #require(ext["to_device"]?["next_batch"]?.stringValue)
            #expect(ext["e2ee"]?["device_one_time_keys_count"]?["signed_curve25519"] == 0)
            #expect(ext["e2ee"]?["device_unused_fallback_key_types"] == [])
            #expect(ext["e2ee"]?["device_lists"] == nil)
            let global = ext["account_data"]?["global"]?.arrayValue ?? []
            #expect(global.contains { $0["type"] == "m.push_rules" })
            #expect(global.contains { $0["type"] == "m.test" && $0["content"]?["x"] == 1 })
            #expect(ext["account_data"]?["rooms"]?[roomId]?.arrayValue?.contains { $0["type"] == "m.room.test" } == true)
            #expect(ext["receipts"]?["rooms"]?[roomId]?["content"]?[eventId]?["m.read"]?[bob.userId] != nil)
            #expect(ext["receipts"]?["rooms"]?[roomId]?["type"] == "m.receipt")
            #expect(ext["typing"]?["rooms"] == .object([:]))
            #expect(ext["unknown_extension"] == nil)
            var pos = try #require(first.json["pos"]?.stringValue)

            // Acknowledged to-device messages are not sent again; typing and device lists arrive incrementally.
            var next: JSONObject = body
            next["extensions"] = .object(extensions.merging(["to_device": ["enabled": true, "since": .string(toDeviceSince)]]) { _, b in b })
            _ = try await server.typing(bob, roomId, ["typing": true, "timeout": 30_000])
            let second = try await server.slidingSync(alice, next, pos: pos)
            let ext2 = try #require(second.json["extensions"])
            #expect(ext2["to_device"]?["events"] == [])
            #expect(ext2["typing"]?["rooms"]?[roomId]?["content"]?["user_ids"] == [.string(bob.userId)])
            #expect(ext2["typing"]?["rooms"]?[roomId]?["type"] == "m.typing")
            #expect(ext2["account_data"]?["global"] == [])
            #expect(ext2["receipts"]?["rooms"] == .object([:]))
            #expect(ext2["e2ee"]?["device_lists"]?["changed"] != nil)
            pos = try #require(second.json["pos"]?.stringValue)
            // Bob uploads device keys: alice, sharing a room, sees his device list change.
            _ = try await server.client.post("/_matrix/client/v3/keys/upload", [
                "device_keys": .object(try KeysFixture.deviceKeys(userId: bob.userId, deviceId: bob.deviceId,
                                                                   key: try KeysFixture.key(3))),
            ], token: bob.accessToken)
            let third = try await server.slidingSync(alice, next, pos: pos)
            #expect(third.json["extensions"]?["e2ee"]?["device_lists"]?["changed"]?.arrayValue?.contains(.string(bob.userId)) == true)
        }
    }

    @Test func badRequestsAreRefusedWithMatrixErrors() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let unauthenticated = try await server.client.post(TestServer.slidingSyncPath, [:])
            #expect(unauthenticated.status == 401)
            let cases: [(JSONObject, String)] = [
                (["lists": ["a": ["ranges": [[0, 1]], "required_state": []]]], "M_BAD_JSON"),
                (["lists": ["a": ["ranges": [[0, 1]], "timeline_limit": -1, "required_state": []]]], "M_BAD_JSON"),
                (["lists": ["a": ["ranges": [[0, 1]], "timeline_limit": 5000, "required_state": []]]], "M_BAD_JSON"),
                (["lists": ["a": ["ranges": [[2, 1]], "timeline_limit": 1, "required_state": []]]], "M_BAD_JSON"),
                (["lists": ["a": ["ranges": [[0, 1]], "timeline_limit": 1, "required_state": [["only-type"]]]]], "M_BAD_JSON"),
                (["lists": ["a": ["ranges": "all", "timeline_limit": 1, "required_state": []]]], "M_BAD_JSON"),
                (["lists": ["a": ["timeline_limit": 1, "required_state": [], "filters": ["is_dm": "yes"]]]], "M_BAD_JSON"),
                (["lists": .object(JSONObject(uniqueKeysWithValues: (0...100).map {
                    ("l\($0)", JSONValue.object(["timeline_limit": 1, "required_state": []]))
                }))], "M_BAD_JSON"),
                (["lists": .object([String(repeating: "k", count: 65): ["timeline_limit": 1, "required_state": []]])], "M_BAD_JSON"),
                (["room_subscriptions": ["!a:b": "x"]], "M_BAD_JSON"),
                (["extensions": ["to_device": ["enabled": true, "since": "abc"]]], "M_BAD_JSON"),
                (["conn_id": 5], "M_BAD_JSON"),
                (["set_presence": "dancing"], "M_INVALID_PARAM"),
            ]
            for (body, errcode) in cases {
                let response = try await server.slidingSync(alice, body)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            let notJSON = try await server.client.request("POST", TestServer.slidingSyncPath, rawBody: Data("nope".utf8),
                                                          token: alice.accessToken)
            #expect(notJSON.status == 400)
            let negative = try await server.client.post(TestServer.slidingSyncPath + "?timeout=-5", [:], token: alice.accessToken)
            #expect(negative.errcode == "M_INVALID_PARAM")
            // An empty body is a valid request: no lists, just a position.
            let empty = try await server.slidingSync(alice, [:])
            #expect(empty.status == 200)
            #expect(empty.json["pos"]?.stringValue?.hasPrefix("0/") == true)
        }
    }
}
