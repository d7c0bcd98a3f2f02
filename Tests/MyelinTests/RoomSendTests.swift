import Foundation
import MatrixCore
import Testing

@Suite struct RoomSendTests {
    @Test(arguments: ["1", "2", "6", "10", "11", "12"])
    func createRoomSendAndStateInEveryVersionFamily(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["room_version": .string(version), "name": "Lounge"])
            #expect(roomId.hasPrefix("!"))
            if version == "12" { #expect(!roomId.contains(":")) } else { #expect(roomId.hasSuffix(":\(server.serverName)")) }
            let eventId = try await server.sendOK(alice, roomId)
            #expect(eventId.hasPrefix("$"))
            let topic = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "Tea"])
            #expect(topic.status == 200)
            #expect(topic.json["event_id"]?.stringValue != nil)
        }
    }

    @Test func transactionIdsAreIdempotentPerDevice() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let first = try await server.send(alice, roomId, txnId: "t1")
            let again = try await server.send(alice, roomId, ["msgtype": "m.text", "body": "other"], txnId: "t1")
            #expect(first.status == 200)
            #expect(again.json["event_id"] == first.json["event_id"])
            // Another device of the same user has its own transaction IDs.
            let second = try await server.login("alice")
            let token = try #require(second.json["access_token"]?.stringValue)
            let otherDevice = try await server.client.put(
                server.roomPath(roomId, "send/m.room.message/t1"), ["msgtype": "m.text", "body": "x"], token: token)
            #expect(otherDevice.status == 200)
            #expect(otherDevice.json["event_id"] != first.json["event_id"])
        }
    }

    @Test func sameStateTwiceIsOneEvent() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let first = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "Tea"])
            let second = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "Tea"])
            #expect(first.json["event_id"] == second.json["event_id"])
            let changed = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "Coffee"])
            #expect(changed.json["event_id"] != first.json["event_id"])
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            // Not joined.
            let notJoined = try await server.send(bob, roomId)
            #expect(notJoined.status == 403)
            #expect(notJoined.errcode == "M_FORBIDDEN")
            // Unknown room.
            let unknown = try await server.send(alice, "!nope:\(server.serverName)")
            #expect(unknown.status == 404 || unknown.status == 403)
            // Content that is not an object.
            let notObject = try await server.client.put(server.roomPath(roomId, "send/m.room.message/x1"), [1, 2],
                                                        token: alice.accessToken)
            #expect(notObject.status == 400)
            #expect(notObject.errcode == "M_BAD_JSON" || notObject.errcode == "M_NOT_JSON")
            // No token.
            let anonymous = try await server.client.put(server.roomPath(roomId, "send/m.room.message/x2"), [:])
            #expect(anonymous.status == 401)
            // Unsupported room version.
            let badVersion = try await server.client.post("/_matrix/client/v3/createRoom", ["room_version": "99"],
                                                          token: alice.accessToken)
            #expect(badVersion.status == 400)
            #expect(badVersion.errcode == "M_UNSUPPORTED_ROOM_VERSION")
        }
    }

    @Test func powerLevelsGuardStateEvents() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            #expect(try await server.join(bob, roomId).status == 200)
            let refused = try await server.putState(bob, roomId, type: "m.room.name", ["name": "Bob's"])
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
            #expect(try await server.send(bob, roomId).status == 200)
        }
    }
}

@Suite struct RoomSendLimitTests {
    @Test func oversizedEventsAndFloatsAreRefused() async throws {
        try await withServer({ $0.maxBodyBytes = 200_000 }) { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let big = try await server.send(alice, roomId, ["msgtype": "m.text", "body": .string(String(repeating: "x", count: 70_000))])
            #expect(big.status == 413)
            #expect(big.errcode == "M_TOO_LARGE")
            // Room version 12 uses strict canonical JSON: no floats in events.
            let float = try await server.send(alice, roomId, ["msgtype": "m.text", "body": "f", "n": .double(1.5)])
            #expect(float.status == 400)
            #expect(float.errcode == "M_BAD_JSON")
            let longType = try await server.send(alice, roomId, type: String(repeating: "t", count: 300))
            #expect(longType.status == 400)
            // The room still works.
            #expect(try await server.send(alice, roomId).status == 200)
        }
    }
}

@Suite struct RoomCreationTests {
    /// The test clock does not move: identical v12 create events would share a room ID.
    @Test func identicalRequestsInOneMillisecondMakeDistinctRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            var rooms: Set<String> = []
            for _ in 0..<3 { rooms.insert(try await server.createRoom(alice, ["room_version": "12"])) }
            #expect(rooms.count == 3)
        }
    }
}

@Suite struct RoomCreationAliasTests {
    @Test func aliasNameAndVisibilityAreApplied() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["room_alias_name": "lounge", "visibility": "public",
                                                             "preset": "public_chat", "name": "Lounge"])
            let alias = "#lounge:\(server.serverName)"
            let resolved = try await server.client.get("/_matrix/client/v3/directory/room/\(TestServer.segment(alias))",
                                                       token: bob.accessToken)
            #expect(resolved.json["room_id"]?.stringValue == roomId)
            let canonical = try await server.client.get(server.roomPath(roomId, "state/m.room.canonical_alias/"),
                                                        token: alice.accessToken)
            #expect(canonical.json["alias"]?.stringValue == alias)
            let listed = try await server.client.get("/_matrix/client/v3/publicRooms", token: bob.accessToken)
            #expect(listed.json["chunk"]?.arrayValue?.contains { $0["room_id"]?.stringValue == roomId } == true)
            #expect(try await server.join(bob, alias).status == 200)
            // The alias is taken now: a second room with it is refused and not created.
            let before = try await server.client.get("/_matrix/client/v3/joined_rooms", token: alice.accessToken)
            let taken = try await server.client.post("/_matrix/client/v3/createRoom", ["room_alias_name": "lounge"],
                                                     token: alice.accessToken)
            #expect(taken.status == 400)
            #expect(taken.errcode == "M_ROOM_IN_USE")
            let after = try await server.client.get("/_matrix/client/v3/joined_rooms", token: alice.accessToken)
            #expect(after.json == before.json)
        }
    }
}
