import Foundation
import MatrixCore
import Testing

@Suite struct RoomUpgradeTests {
    func upgrade(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ body: JSONObject) async throws
        -> TestResponse
    {
        try await server.client.post(server.roomPath(roomId, "upgrade"), .object(body), token: user.accessToken)
    }

    @Test func upgradeCopiesStateMovesAliasesAndClosesTheOldRoom() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let old = try await server.newRoom(alice, [
                "room_version": "10", "preset": "public_chat", "name": "Lounge", "topic": "Chat",
            ])
            try await server.joinOK(bob, old)
            #expect(try await server.ban(alice, old, carol.userId, reason: "spam").status == 200)
            #expect(try await server.putAlias(alice, server.alias("lounge"), old).status == 200)
            try await server.putStateOK(alice, old, type: "m.room.canonical_alias", [
                "alias": .string(server.alias("lounge")), "alt_aliases": ["#lounge:elsewhere.example"],
            ])
            try await server.putStateOK(alice, old, type: "m.room.avatar", ["url": "mxc://example.org/a"])
            try await server.putStateOK(alice, old, type: "com.example.custom", ["x": 1])
            #expect(try await server.client.put("/_matrix/client/v3/directory/list/room/\(TestServer.segment(old))",
                                                ["visibility": "public"], token: alice.accessToken).status == 200)
            let lastEvent = try await server.sendOK(alice, old, "last words")

            let response = try await upgrade(server, alice, old, ["new_version": "11"])
            #expect(response.status == 200)
            let new = try #require(response.json["replacement_room"]?.stringValue)
            #expect(new != old)

            // The new room: version, predecessor, creator (before v11 content.creator; v11 the sender).
            let create = try #require(try await server.stateContent(new, "m.room.create"))
            #expect(create["room_version"]?.stringValue == "11")
            #expect(create["predecessor"]?["room_id"]?.stringValue == old)
            #expect(create["predecessor"]?["event_id"]?.stringValue == lastEvent)
            #expect(try await server.stateSender(new, "m.room.create") == alice.userId)
            // Copied state.
            #expect(try await server.stateContent(new, "m.room.name")?["name"]?.stringValue == "Lounge")
            #expect(try await server.stateContent(new, "m.room.topic")?["topic"]?.stringValue == "Chat")
            #expect(try await server.stateContent(new, "m.room.avatar")?["url"]?.stringValue == "mxc://example.org/a")
            #expect(try await server.stateContent(new, "m.room.join_rules")?["join_rule"]?.stringValue == "public")
            #expect(try await server.stateContent(new, "com.example.custom") == nil)
            let newLevels = try #require(try await server.stateContent(new, "m.room.power_levels"))
            #expect(newLevels["users"]?[alice.userId]?.intValue == 100)
            #expect(newLevels["events_default"]?.intValue == 0)
            // Bans carry over; members do not (they join the new room themselves).
            #expect(try await server.currentMembership(new, carol.userId) == "ban")
            #expect(try await server.stateContent(new, "m.room.member", carol.userId)?["reason"]?.stringValue == "spam")
            #expect(try await server.currentMembership(new, bob.userId) == nil)
            try await server.joinOK(bob, new)

            // The old room: tombstone, restricted power levels, canonical alias without our alias.
            let tombstone = try #require(try await server.stateContent(old, "m.room.tombstone"))
            #expect(tombstone["replacement_room"]?.stringValue == new)
            #expect(tombstone["body"]?.stringValue != nil)
            let oldLevels = try #require(try await server.stateContent(old, "m.room.power_levels"))
            #expect(oldLevels["events_default"]?.intValue == 50)
            #expect(oldLevels["invite"]?.intValue == 50)
            let refused = try await server.send(bob, old)
            #expect(refused.status == 403)
            #expect(try await server.stateContent(old, "m.room.canonical_alias")
                == ["alt_aliases": ["#lounge:elsewhere.example"]])

            // Aliases and the directory entry moved.
            let resolved = try await server.client.get(server.aliasPath(server.alias("lounge")))
            #expect(resolved.json["room_id"]?.stringValue == new)
            #expect(try await server.stateContent(new, "m.room.canonical_alias")
                == ["alias": .string(server.alias("lounge"))])
            let listed = try await server.client.get("/_matrix/client/v3/publicRooms")
            #expect(listed.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } == [new])
        }
    }

    @Test func upgradingToVersion12() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let old = try await server.newRoom(alice, [
                "room_version": "10", "preset": "public_chat",
                "power_level_content_override": ["users": [alice.userId: 100, bob.userId: 50]],
            ])
            try await server.joinOK(bob, old)
            let response = try await upgrade(server, alice, old, [
                "new_version": "12", "additional_creators": [.string(bob.userId), .string(alice.userId)],
            ])
            #expect(response.status == 200)
            let new = try #require(response.json["replacement_room"]?.stringValue)
            #expect(!new.contains(":"))
            let create = try #require(try await server.stateContent(new, "m.room.create"))
            #expect(create["room_version"]?.stringValue == "12")
            #expect(create["creator"] == nil)
            #expect(create["additional_creators"] == .array([.string(bob.userId)]))
            // Creators hold infinite power and may not be listed in users.
            let levels = try #require(try await server.stateContent(new, "m.room.power_levels"))
            #expect(levels["users"]?[alice.userId] == nil)
            #expect(levels["users"]?[bob.userId] == nil)

            // From v12 to v12, additional creators are not carried over unless named again.
            try await server.joinOK(bob, new)
            let again = try await upgrade(server, bob, new, ["new_version": "12"])
            #expect(again.status == 200)
            let newer = try #require(again.json["replacement_room"]?.stringValue)
            let newerCreate = try #require(try await server.stateContent(newer, "m.room.create"))
            #expect(newerCreate["additional_creators"] == nil)
            #expect(try await server.stateSender(newer, "m.room.create") == bob.userId)
        }
    }

    @Test func spacesKeepTheirTypeAndChildren() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let space = try await server.newRoom(alice, [
                "room_version": "11", "preset": "public_chat", "creation_content": ["type": "m.space", "m.federate": false],
            ])
            let child = try await server.newRoom(alice)
            let removed = try await server.newRoom(alice)
            try await server.putStateOK(alice, space, type: "m.space.child", stateKey: child,
                                        ["via": .array([.string(server.serverName)])])
            try await server.putStateOK(alice, space, type: "m.space.child", stateKey: removed, [:])
            let response = try await upgrade(server, alice, space, ["new_version": "12"])
            let new = try #require(response.json["replacement_room"]?.stringValue)
            let create = try #require(try await server.stateContent(new, "m.room.create"))
            #expect(create["type"]?.stringValue == "m.space")
            #expect(create["m.federate"]?.boolValue == false)
            #expect(try await server.stateContent(new, "m.space.child", child)?["via"] == .array([.string(server.serverName)]))
            #expect(try await server.stateContent(new, "m.space.child", removed) == nil)
        }
    }

    @Test func theUpgraderIsRaisedToCopyStateThenRestored() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            // Bob may send tombstones (50) but not power levels (100).
            let old = try await server.newRoom(alice, [
                "room_version": "10", "preset": "public_chat",
                "power_level_content_override": [
                    "users": [alice.userId: 100, bob.userId: 50],
                    "events": ["m.room.tombstone": 50, "m.room.power_levels": 100],
                ],
            ])
            try await server.joinOK(bob, old)
            let response = try await upgrade(server, bob, old, ["new_version": "11"])
            #expect(response.status == 200)
            let new = try #require(response.json["replacement_room"]?.stringValue)
            let levels = try #require(try await server.stateContent(new, "m.room.power_levels"))
            #expect(levels["users"]?[bob.userId]?.intValue == 50)
            #expect(levels["users"]?[alice.userId]?.intValue == 100)
            #expect(try await server.stateSender(new, "m.room.power_levels") == bob.userId)
            // Bob could not raise the old room's levels (he lacks the power), so they are as they were.
            let oldLevels = try #require(try await server.stateContent(old, "m.room.power_levels"))
            #expect(oldLevels["events_default"]?.intValue == 0)
            #expect(try await server.stateContent(old, "m.room.tombstone")?["replacement_room"]?.stringValue == new)
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.newRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)

            let unsupported = try await upgrade(server, alice, roomId, ["new_version": "99"])
            #expect(unsupported.status == 400)
            #expect(unsupported.errcode == "M_UNSUPPORTED_ROOM_VERSION")
            let missing = try await upgrade(server, alice, roomId, [:])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let wrongType = try await upgrade(server, alice, roomId, ["new_version": 12])
            #expect(wrongType.errcode == "M_BAD_JSON")
            let badCreators = try await upgrade(server, alice, roomId, ["new_version": "12", "additional_creators": "bob"])
            #expect(badCreators.errcode == "M_BAD_JSON")
            let invalidCreator = try await upgrade(server, alice, roomId, [
                "new_version": "12", "additional_creators": ["not a user"],
            ])
            #expect(invalidCreator.status == 400)
            #expect(invalidCreator.errcode == "M_INVALID_PARAM")
            let unknown = try await upgrade(server, alice, "!nope:\(server.serverName)", ["new_version": "11"])
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            // A member without the power to send m.room.tombstone, someone outside the room, a guest.
            let member = try await upgrade(server, bob, roomId, ["new_version": "11"])
            #expect(member.status == 403)
            #expect(member.errcode == "M_FORBIDDEN")
            let outsider = try await upgrade(server, carol, roomId, ["new_version": "11"])
            #expect(outsider.status == 403)
            #expect(outsider.errcode == "M_FORBIDDEN")
            let guest = try await server.registerGuest()
            let byGuest = try await upgrade(server, guest, roomId, ["new_version": "11"])
            #expect(byGuest.status == 403)
            let anonymous = try await server.client.post(server.roomPath(roomId, "upgrade"), ["new_version": "11"])
            #expect(anonymous.status == 401)
            // Nothing happened to the room.
            #expect(try await server.stateContent(roomId, "m.room.tombstone") == nil)
        }
    }
}
