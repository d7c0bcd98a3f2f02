import Foundation
import MatrixCore
import Testing

/// Simplified sliding sync (MSC4186) through HTTP: lists, windows, room results, incremental answers,
/// positions and connections.
@Suite struct SlidingSyncTests {
    @Test func initialAnswerHasTheWindowInRecencyOrderWithEveryRoomField() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let tea = try await server.createRoom(alice, ["name": "Tea", "preset": "public_chat"])
            let coffee = try await server.createRoom(alice, ["name": "Coffee", "preset": "public_chat"])
            let unnamed = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, unnamed)
            _ = try await server.sendOK(alice, tea, "newest")
            let response = try await server.slidingSync(alice, ["lists": ["all": TestServer.slidingList([0, 1])]])
            #expect(response.status == 200)
            let list = try #require(response.json["lists"]?["all"])
            #expect(list["count"] == 3)
            // Tea has the latest message; the unnamed room's last bump is its creation (bob's join is no bump).
            #expect(list.listRoomIds == [tea, unnamed])
            let rooms = try #require(response.json["rooms"]?.objectValue)
            #expect(Set(rooms.keys) == [tea, unnamed])
            #expect(rooms[coffee] == nil)
            let room = try #require(rooms[tea])
            #expect(room["initial"] == true)
            #expect(room["name"] == "Tea")
            #expect(room.timelineBodies == ["newest"])
            #expect(room["timeline"]?.arrayValue?.count == 5)
            #expect(room["timeline"]?.arrayValue?.first?["room_id"] == nil)
            #expect(room["limited"] == true)
            #expect(room["prev_batch"]?.stringValue != nil)
            #expect(room["num_live"] == 0)
            #expect(room["joined_count"] == 1)
            #expect(room["invited_count"] == 0)
            #expect(room["notification_count"] == 0)
            #expect(room["highlight_count"] == 0)
            #expect(room["bump_stamp"]?.intValue != nil)
            #expect(room.requiredStateKeys == ["m.room.create|"])
            #expect(room["heroes"] == nil)
            // An unnamed room names itself from its heroes, with their profiles.
            let other = try #require(rooms[unnamed])
            #expect(other["name"] == nil)
            #expect(other["heroes"]?.arrayValue?.first?["user_id"] == .string(bob.userId))
            #expect(other["heroes"]?.arrayValue?.first?["displayname"] == "bob")
            #expect(other["joined_count"] == 2)
            let teaBump = try #require(room["bump_stamp"]?.intValue)
            let otherBump = try #require(other["bump_stamp"]?.intValue)
            #expect(teaBump > otherBump)
            #expect(response.json["pos"]?.stringValue?.contains("/") == true)
            #expect(response.json["extensions"] == .object([:]))
        }
    }

    @Test func incrementalAnswersCarryOnlyChangesAndTheWindowMovesWhenARoomIsBumped() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let old = try await server.createRoom(alice, ["name": "Old", "preset": "public_chat"])
            let middle = try await server.createRoom(alice, ["name": "Middle", "preset": "public_chat"])
            let recent = try await server.createRoom(alice, ["name": "Recent", "preset": "public_chat"])
            let body: JSONObject = ["conn_id": "main", "lists": ["all": TestServer.slidingList([0, 1], timelineLimit: 3)]]
            let first = try await server.slidingSync(alice, body)
            #expect(first.json["lists"]?["all"]?.listRoomIds == [recent, middle])
            var pos = try #require(first.json["pos"]?.stringValue)
            // Nothing changed: an empty answer, same window.
            let idle = try await server.slidingSync(alice, body, pos: pos)
            #expect(idle.status == 200)
            #expect(idle.json["rooms"] == .object([:]))
            pos = try #require(idle.json["pos"]?.stringValue)
            // A message in a room of the window: only that room, only the new event, no repeated fields.
            _ = try await server.sendOK(alice, middle, "hi")
            let next = try await server.slidingSync(alice, body, pos: pos)
            let rooms = try #require(next.json["rooms"]?.objectValue)
            #expect(Set(rooms.keys) == [middle])
            let room = try #require(rooms[middle])
            #expect(room["initial"] == nil)
            #expect(room.timelineBodies == ["hi"])
            #expect(room["timeline"]?.arrayValue?.count == 1)
            #expect(room["num_live"] == 1)
            #expect(room["limited"] == false)
            #expect(room["name"] == nil)
            #expect(room["joined_count"] == nil)
            #expect(room["required_state"] == nil)
            #expect(room["bump_stamp"]?.intValue != nil)
            #expect(next.json["lists"]?["all"]?.listRoomIds == [middle, recent])
            pos = try #require(next.json["pos"]?.stringValue)
            // The oldest room is bumped into the window: sent whole, as new to the connection.
            _ = try await server.sendOK(alice, old, "wake up")
            let moved = try await server.slidingSync(alice, body, pos: pos)
            #expect(moved.json["lists"]?["all"]?.listRoomIds == [old, middle])
            let bumped = try #require(moved.json["rooms"]?[old])
            #expect(bumped["initial"] == true)
            #expect(bumped["name"] == "Old")
            #expect(bumped["timeline"]?.arrayValue?.count == 3)
            #expect(bumped["num_live"] == 1)
            pos = try #require(moved.json["pos"]?.stringValue)
            // A membership change updates the counts (and nothing else is resent).
            try await server.joinOK(bob, middle)
            let joined = try await server.slidingSync(alice, body, pos: pos)
            let counted = try #require(joined.json["rooms"]?[middle])
            #expect(counted["joined_count"] == 2)
            #expect(counted["name"] == nil)
            #expect(counted["initial"] == nil)
            // Bob's join is no bump: the order stays.
            #expect(joined.json["lists"]?["all"]?.listRoomIds == [old, middle])
        }
    }

    @Test func aRoomThatChangedOutsideTheWindowIsCaughtUpWhenItComesBack() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let first = try await server.createRoom(alice, ["name": "First", "preset": "public_chat"])
            let second = try await server.createRoom(alice, ["name": "Second", "preset": "public_chat"])
            let body: JSONObject = ["lists": ["top": TestServer.slidingList([0, 0], timelineLimit: 10)]]
            let start = try await server.slidingSync(alice, body)
            #expect(start.json["lists"]?["top"]?.listRoomIds == [second])
            var pos = try #require(start.json["pos"]?.stringValue)
            // First room enters the window (sent whole), then leaves it while it gets a message.
            _ = try await server.sendOK(alice, first, "one")
            var answer = try await server.slidingSync(alice, body, pos: pos)
            #expect(answer.json["rooms"]?[first]?["initial"] == true)
            pos = try #require(answer.json["pos"]?.stringValue)
            _ = try await server.sendOK(alice, second, "two")
            answer = try await server.slidingSync(alice, body, pos: pos)
            pos = try #require(answer.json["pos"]?.stringValue)
            _ = try await server.putState(alice, first, type: "m.room.topic", ["topic": "missed"])
            answer = try await server.slidingSync(alice, body, pos: pos)
            #expect(answer.json["rooms"]?[first] == nil)
            pos = try #require(answer.json["pos"]?.stringValue)
            // Back in the window: not initial, and the events it missed come with it.
            _ = try await server.sendOK(alice, first, "three")
            answer = try await server.slidingSync(alice, body, pos: pos)
            let back = try #require(answer.json["rooms"]?[first])
            #expect(back["initial"] == nil)
            let types = (back["timeline"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }
            #expect(types == ["m.room.topic", "m.room.message"])
            #expect(back["num_live"] == 1)
        }
    }

    @Test func requiredStateHonoursWildcardsMeAndLazyMembers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["name": "Room", "topic": "T", "preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)
            _ = try await server.sendOK(bob, roomId, "from bob")
            func stateKeys(_ requiredState: [[String]], timelineLimit: Int64 = 1) async throws -> Set<String> {
                let body: JSONObject = ["room_subscriptions": [roomId: [
                    "timeline_limit": .int(timelineLimit),
                    "required_state": .array(requiredState.map { .array($0.map(JSONValue.string)) }),
                ]]]
                let response = try await server.slidingSync(alice, body)
                return try #require(response.json["rooms"]?[roomId]).requiredStateKeys
            }
            let everything = try await stateKeys([["*", "*"]])
            #expect(everything.isSuperset(of: ["m.room.create|", "m.room.name|", "m.room.topic|",
                                               "m.room.member|\(bob.userId)", "m.room.member|\(carol.userId)"]))
            let members = try await stateKeys([["m.room.member", "*"]])
            #expect(members == ["m.room.member|\(alice.userId)", "m.room.member|\(bob.userId)",
                                "m.room.member|\(carol.userId)"])
            #expect(try await stateKeys([["m.room.member", "$ME"], ["m.room.name", ""]])
                == ["m.room.member|\(alice.userId)", "m.room.name|"])
            // Lazy members: only the timeline's sender.
            #expect(try await stateKeys([["m.room.member", "$LAZY"], ["m.room.topic", ""]])
                == ["m.room.member|\(bob.userId)", "m.room.topic|"])
            #expect(try await stateKeys([["m.room.nonexistent", ""]]) == [])
        }
    }

    @Test func lazyMembersAreSentOncePerConnectionAndRequiredStateExpansionSendsTheNewPart() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["name": "Room", "topic": "T", "preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(bob, roomId, "one")
            func body(_ requiredState: [[String]]) -> JSONObject {
                ["room_subscriptions": [roomId: [
                    "timeline_limit": 1, "required_state": .array(requiredState.map { .array($0.map(JSONValue.string)) }),
                ]]]
            }
            let lazy = body([["m.room.member", "$LAZY"]])
            let first = try await server.slidingSync(alice, lazy)
            #expect(first.json["rooms"]?[roomId]?.requiredStateKeys == ["m.room.member|\(bob.userId)"])
            var pos = try #require(first.json["pos"]?.stringValue)
            _ = try await server.sendOK(bob, roomId, "two")
            let second = try await server.slidingSync(alice, lazy, pos: pos)
            let room = try #require(second.json["rooms"]?[roomId])
            #expect(room.timelineBodies == ["two"])
            // Bob's member event was sent already on this connection.
            #expect(room["required_state"] == nil)
            pos = try #require(second.json["pos"]?.stringValue)
            // Asking for more state: the room comes back at once with the added part only.
            let expanded = try await server.slidingSync(alice, body([["m.room.member", "$LAZY"], ["m.room.topic", ""]]),
                                                        pos: pos)
            let grown = try #require(expanded.json["rooms"]?[roomId])
            #expect(grown.requiredStateKeys == ["m.room.topic|"])
            #expect(grown["initial"] == nil)
        }
    }

    @Test func aLargerTimelineLimitResendsTheLatestEvents() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            for i in 1...4 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            func body(_ limit: Int64) -> JSONObject {
                ["lists": ["all": TestServer.slidingList(timelineLimit: limit, requiredState: [])]]
            }
            let first = try await server.slidingSync(alice, body(1))
            #expect(first.json["rooms"]?[roomId]?.timelineBodies == ["m4"])
            let pos = try #require(first.json["pos"]?.stringValue)
            let more = try await server.slidingSync(alice, body(3), pos: pos)
            let room = try #require(more.json["rooms"]?[roomId])
            #expect(room.timelineBodies == ["m2", "m3", "m4"])
            #expect(room["unstable_expanded_timeline"] == true)
            #expect(room["num_live"] == 0)
        }
    }

    @Test func roomSubscriptionsReachRoomsOutsideTheWindowButNotRoomsTheUserIsNotIn() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let old = try await server.createRoom(alice, ["name": "Old"])
            _ = try await server.createRoom(alice, ["name": "New"])
            let bobs = try await server.createRoom(bob, ["name": "Bob's"])
            let response = try await server.slidingSync(alice, [
                "lists": ["top": TestServer.slidingList([0, 0])],
                "room_subscriptions": [
                    old: ["timeline_limit": 2, "required_state": [["m.room.name", ""]]],
                    bobs: ["timeline_limit": 2, "required_state": [["m.room.name", ""]]],
                    "!unknown:localhost": ["timeline_limit": 2, "required_state": []],
                ],
            ])
            #expect(response.status == 200)
            let rooms = try #require(response.json["rooms"]?.objectValue)
            #expect(rooms.count == 2)
            #expect(rooms[old]?["name"] == "Old")
            #expect(rooms[old]?.requiredStateKeys == ["m.room.name|"])
            #expect(rooms[bobs] == nil)
            #expect(rooms["!unknown:localhost"] == nil)
        }
    }

    @Test func invitesComeWithStrippedStateAndLeavesByOthersStayListed() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let invited = try await server.createRoom(alice, ["name": "Party", "preset": "private_chat"])
            _ = try await server.invite(alice, invited, bob.userId)
            let kicked = try await server.createRoom(alice, ["name": "Strict", "preset": "public_chat"])
            try await server.joinOK(bob, kicked)
            _ = try await server.kick(alice, kicked, bob.userId)
            let left = try await server.createRoom(alice, ["name": "Quiet", "preset": "public_chat"])
            try await server.joinOK(bob, left)
            _ = try await server.leave(bob, left)
            let response = try await server.slidingSync(bob, ["lists": ["all": TestServer.slidingList()]])
            let rooms = try #require(response.json["rooms"]?.objectValue)
            // A room bob left himself is not listed on a new connection (MSC4186).
            #expect(Set(rooms.keys) == [invited, kicked])
            let invite = try #require(rooms[invited])
            let stripped = invite["invite_state"]?.arrayValue ?? []
            #expect(stripped.contains { $0["type"] == "m.room.name" && $0["content"]?["name"] == "Party" })
            #expect(stripped.contains { $0["type"] == "m.room.member" && $0["state_key"] == .string(bob.userId) })
            #expect(invite["timeline"] == nil)
            #expect(invite["initial"] == true)
            let kick = try #require(rooms[kicked])
            // Seen as of the kick: the kick is the last timeline event.
            #expect(kick["timeline"]?.arrayValue?.last?["content"]?["membership"] == "leave")
            #expect(response.json["lists"]?["all"]?["count"] == 2)
        }
    }

    @Test func listFiltersSelectDMsEncryptedInvitesSpacesTypesAndTags() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let dm = try await server.createRoom(alice, ["preset": "trusted_private_chat", "is_direct": true])
            let encrypted = try await server.createRoom(alice, [
                "initial_state": [["type": "m.room.encryption", "state_key": "", "content": ["algorithm": "m.megolm.v1.aes-sha2"]]],
            ])
            let space = try await server.createRoom(alice, ["creation_content": ["type": "m.space"], "name": "Space"])
            let child = try await server.createRoom(alice, ["name": "Child"])
            _ = try await server.putState(alice, space, type: "m.space.child", stateKey: child, ["via": ["localhost"]])
            let favourite = try await server.createRoom(alice, ["name": "Fav"])
            _ = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(favourite))/tags/m.favourite",
                ["order": .double(0.5)], token: alice.accessToken)
            let invite = try await server.createRoom(bob, ["name": "Invite"])
            _ = try await server.invite(bob, invite, alice.userId)
            _ = try await server.client.put("/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/m.direct",
                                            [bob.userId: [.string(dm)]], token: alice.accessToken)
            func rooms(_ filters: JSONObject) async throws -> Set<String> {
                let response = try await server.slidingSync(alice, ["lists": ["l": TestServer.slidingList(filters: filters)]])
                #expect(response.status == 200)
                return Set(response.json["lists"]?["l"]?.listRoomIds ?? [])
            }
            #expect(try await rooms(["is_dm": true]) == [dm])
            #expect(try await !rooms(["is_dm": false]).contains(dm))
            #expect(try await rooms(["is_encrypted": true]) == [encrypted])
            #expect(try await rooms(["is_invite": true]) == [invite])
            #expect(try await !rooms(["is_invite": false]).contains(invite))
            #expect(try await rooms(["room_types": ["m.space"]]) == [space])
            #expect(try await !rooms(["not_room_types": ["m.space"]]).contains(space))
            #expect(try await rooms(["room_types": [.null], "is_invite": false]) == [dm, encrypted, child, favourite])
            #expect(try await rooms(["spaces": [.string(space)]]) == [child])
            #expect(try await rooms(["tags": ["m.favourite"]]) == [favourite])
            #expect(try await !rooms(["not_tags": ["m.favourite"]]).contains(favourite))
            #expect(try await rooms(["room_name_like": "chi"]) == [child])
            // The DM flag is on the room itself too.
            let response = try await server.slidingSync(alice, ["lists": ["l": TestServer.slidingList(filters: ["is_dm": true])]])
            #expect(response.json["rooms"]?[dm]?["is_dm"] == true)
        }
    }
}

/// The room fields that change over a room's life, counts, pagination from `prev_batch`, knocks, and
/// extensions scoped to some lists or rooms.
@Suite struct SlidingSyncRoomFieldTests {
    @Test func avatarCountsAndUnreadNotificationsFollowTheRoom() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["name": "Room", "preset": "public_chat"])
            _ = try await server.putState(alice, roomId, type: "m.room.avatar", ["url": "mxc://localhost/first"])
            try await server.joinOK(bob, roomId)
            _ = try await server.invite(alice, roomId, carol.userId)
            let body: JSONObject = ["lists": ["all": TestServer.slidingList(requiredState: [])],
                                    "set_presence": "offline"]
            let first = try await server.slidingSync(alice, body)
            let room = try #require(first.json["rooms"]?[roomId])
            #expect(room["avatar"] == "mxc://localhost/first")
            #expect(room["joined_count"] == 2)
            #expect(room["invited_count"] == 1)
            #expect(room["notification_count"] == 0)
            var pos = try #require(first.json["pos"]?.stringValue)
            // Bob mentions alice by name: a highlighted notification.
            _ = try await server.send(bob, roomId, ["msgtype": "m.text", "body": "alice: look",
                                                    "m.mentions": ["user_ids": [.string(alice.userId)]]])
            _ = try await server.putState(alice, roomId, type: "m.room.avatar", ["url": "mxc://localhost/second"])
            let next = try await server.slidingSync(alice, body, pos: pos)
            let changed = try #require(next.json["rooms"]?[roomId])
            #expect(changed["avatar"] == "mxc://localhost/second")
            #expect(changed["notification_count"] == 1)
            #expect(changed["highlight_count"] == 1)
            #expect(changed["name"] == nil)
            pos = try #require(next.json["pos"]?.stringValue)
            // Carol joins: the counts come again, nothing else.
            try await server.joinOK(carol, roomId)
            let joined = try await server.slidingSync(alice, body, pos: pos)
            let counted = try #require(joined.json["rooms"]?[roomId])
            #expect(counted["joined_count"] == 3)
            #expect(counted["invited_count"] == 0)
            #expect(counted["avatar"] == nil)
        }
    }

    @Test func prevBatchPagesBackThroughMessages() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            for i in 1...5 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            let answer = try await server.slidingSync(alice, ["room_subscriptions": [
                .init(stringLiteral: roomId): ["timeline_limit": 2, "required_state": []],
            ]])
            let room = try #require(answer.json["rooms"]?[roomId])
            #expect(room.timelineBodies == ["m4", "m5"])
            let token = try #require(room["prev_batch"]?.stringValue)
            let page = try await server.client.get(
                server.roomPath(roomId, "messages?dir=b&limit=2&from=\(TestServer.queryValue(token))"),
                token: alice.accessToken)
            #expect(page.status == 200)
            let bodies = (page.json["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies == ["m3", "m2"])
        }
    }

    @Test func knocksComeWithTheirStrippedState() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["name": "Door", "room_version": "7"])
            _ = try await server.putState(alice, roomId, type: "m.room.join_rules", ["join_rule": "knock"])
            #expect(try await server.knock(bob, roomId).status == 200)
            let answer = try await server.slidingSync(bob, ["lists": ["all": TestServer.slidingList()]])
            let room = try #require(answer.json["rooms"]?[roomId])
            let stripped = room["invite_state"]?.arrayValue ?? []
            #expect(stripped.contains { $0["type"] == "m.room.member" && $0["content"]?["membership"] == "knock" })
            #expect(stripped.contains { $0["type"] == "m.room.join_rules" })
            #expect(room["name"] == "Door")
            #expect(room["timeline"] == nil)
        }
    }

    @Test func roomScopedExtensionsCoverOnlyTheListsAndRoomsNamed() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let inList = try await server.createRoom(alice, ["preset": "public_chat", "name": "listed"])
            let subscribed = try await server.createRoom(alice, ["preset": "public_chat", "name": "subscribed"])
            for roomId in [inList, subscribed] {
                try await server.joinOK(bob, roomId)
                let eventId = try await server.sendOK(bob, roomId, "read me")
                _ = try await server.receipt(bob, roomId, "m.read", eventId)
            }
            func receiptRooms(_ scope: JSONObject) async throws -> Set<String> {
                let response = try await server.slidingSync(alice, [
                    "lists": ["named": TestServer.slidingList([0, 0], requiredState: [], filters: ["room_name_like": "listed"])],
                    "room_subscriptions": [.init(stringLiteral: subscribed): ["timeline_limit": 1, "required_state": []]],
                    "extensions": ["receipts": .object(scope.merging(["enabled": true]) { a, _ in a })],
                ])
                return Set(response.json["extensions"]?["receipts"]?["rooms"]?.objectValue?.keys ?? [])
            }
            #expect(try await receiptRooms([:]) == Set([inList, subscribed]))
            #expect(try await receiptRooms(["lists": ["named"], "rooms": []]) == [inList])
            #expect(try await receiptRooms(["lists": [], "rooms": [.string(subscribed)]]) == [subscribed])
            #expect(try await receiptRooms(["lists": [], "rooms": []]) == [])
        }
    }
}
