import Foundation
import MatrixCore
import Testing

/// Single events, state and members through the real endpoints.
@Suite struct RoomReadTests {
    @Test func eventAndStateShapes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["name": "Lounge"])
            let eventId = try await server.sendOK(alice, roomId, "first")

            let event = try await server.client.get(
                server.roomPath(roomId, "event/\(TestServer.segment(eventId))"), token: alice.accessToken)
            #expect(event.status == 200)
            #expect(event.json["event_id"]?.stringValue == eventId)
            #expect(event.json["room_id"]?.stringValue == roomId)
            #expect(event.json["sender"]?.stringValue == alice.userId)
            #expect(event.json["type"]?.stringValue == "m.room.message")
            #expect(event.json["content"]?["body"]?.stringValue == "first")
            #expect(event.json["origin_server_ts"]?.intValue != nil)
            #expect(event.json["unsigned"]?["age"]?.intValue != nil)
            #expect(event.json["hashes"] == nil && event.json["signatures"] == nil)

            let state = try await server.client.get(server.roomPath(roomId, "state"), token: alice.accessToken)
            #expect(state.status == 200)
            let types = Set((state.json.arrayValue ?? []).compactMap { $0["type"]?.stringValue })
            #expect(types.isSuperset(of: ["m.room.create", "m.room.member", "m.room.power_levels",
                                          "m.room.join_rules", "m.room.history_visibility", "m.room.name"]))
            #expect((state.json.arrayValue ?? []).allSatisfy { $0["state_key"]?.stringValue != nil })

            // Content by default, with or without the trailing slash of an empty state key.
            for path in ["state/m.room.name", "state/m.room.name/"] {
                let name = try await server.client.get(server.roomPath(roomId, path), token: alice.accessToken)
                #expect(name.status == 200)
                #expect(name.json == ["name": "Lounge"])
            }
            let member = try await server.client.get(
                server.roomPath(roomId, "state/m.room.member/\(TestServer.segment(alice.userId))"),
                token: alice.accessToken)
            #expect(member.json["membership"]?.stringValue == "join")
            // The whole event with format=event.
            let whole = try await server.client.get(server.roomPath(roomId, "state/m.room.name?format=event"),
                                                    token: alice.accessToken)
            #expect(whole.status == 200)
            #expect(whole.json["type"]?.stringValue == "m.room.name")
            #expect(whole.json["state_key"]?.stringValue == "")
            #expect(whole.json["content"]?["name"]?.stringValue == "Lounge")
            #expect(whole.json["event_id"]?.stringValue?.hasPrefix("$") == true)
        }
    }

    @Test func theDeprecatedEventByIdAnswersForTheEventsRoom() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat"])
            let eventId = try await server.sendOK(alice, roomId, "by ID")
            let legacy = try await server.client.get("/_matrix/client/v3/events/\(TestServer.segment(eventId))",
                                                     token: alice.accessToken)
            #expect(legacy.status == 200)
            #expect(legacy.json["event_id"]?.stringValue == eventId)
            #expect(legacy.json["room_id"]?.stringValue == roomId)
            #expect(legacy.json["content"]?["body"]?.stringValue == "by ID")
            // What the room-scoped endpoint refuses, this one refuses the same way.
            let outsider = try await server.client.get("/_matrix/client/r0/events/\(TestServer.segment(eventId))",
                                                       token: bob.accessToken)
            let scoped = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(eventId))"),
                                                     token: bob.accessToken)
            #expect(outsider.status == scoped.status)
            #expect(outsider.errcode == scoped.errcode)
            let unknown = try await server.client.get("/_matrix/client/v3/events/%24nothing", token: alice.accessToken)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
        }
    }

    @Test func roomInitialSyncForMembersAndPeekers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "name": "Notes"])
            var sent: [String] = []
            for index in 0..<3 { sent.append(try await server.sendOK(alice, roomId, "note \(index)")) }
            _ = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(roomId))/tags/u.work",
                [:], token: alice.accessToken)
            let path = server.roomPath(roomId, "initialSync")
            let response = try await server.client.get(path, token: alice.accessToken)
            #expect(response.status == 200)
            #expect(response.json["room_id"]?.stringValue == roomId)
            #expect(response.json["membership"]?.stringValue == "join")
            #expect(response.json["visibility"]?.stringValue == "private")
            let chunk = response.json["messages"]?["chunk"]?.arrayValue ?? []
            #expect(Array(chunk.compactMap { $0["event_id"]?.stringValue }.suffix(3)) == sent)
            #expect(response.json["messages"]?["end"]?.stringValue != nil)
            let state = response.json["state"]?.arrayValue ?? []
            #expect(state.contains { $0["type"] == "m.room.name" && $0["content"]?["name"] == "Notes" })
            let tags = response.json["account_data"]?.arrayValue?.first { $0["type"] == "m.tag" }
            #expect(tags?["content"]?["tags"]?["u.work"] != nil)
            // Paging on from `start` reaches what came before the chunk.
            if let start = response.json["messages"]?["start"]?.stringValue {
                let earlier = try await server.messages(alice, roomId, "dir=b&from=\(TestServer.segment(start))")
                #expect(earlier.status == 200)
            }
            // Someone outside a private room is refused, as /state and /messages refuse them.
            let outsider = try await server.client.get(path, token: bob.accessToken)
            #expect(outsider.status == 403)
            // A world-readable room can be peeked into.
            let open = try await server.createRoom(alice, [
                "preset": "public_chat",
                "initial_state": [["type": "m.room.history_visibility", "state_key": "",
                                   "content": ["history_visibility": "world_readable"]]],
            ])
            let said = try await server.sendOK(alice, open, "hello peekers")
            let peek = try await server.client.get(server.roomPath(open, "initialSync"), token: bob.accessToken)
            #expect(peek.status == 200)
            #expect(peek.json["membership"]?.stringValue == "leave")
            #expect(peek.json["messages"]?["chunk"]?.arrayValue?.last?["event_id"]?.stringValue == said)
        }
    }

    @Test func redactedEventsAreServedRedacted() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let eventId = try await server.sendOK(alice, roomId, "oops")
            let redaction = try await server.client.put(
                server.roomPath(roomId, "redact/\(TestServer.segment(eventId))/r1"), ["reason": "typo"],
                token: alice.accessToken)
            #expect(redaction.status == 200)
            let event = try await server.client.get(
                server.roomPath(roomId, "event/\(TestServer.segment(eventId))"), token: alice.accessToken)
            #expect(event.status == 200)
            #expect(event.json["content"] == .object([:]))
            #expect(event.json["unsigned"]?["redacted_because"]?["event_id"] == redaction.json["event_id"])
            let page = try await server.messages(alice, roomId, "dir=b&limit=5")
            let served = page.json.events().first { $0["event_id"]?.stringValue == eventId }
            #expect(served?["content"] == .object([:]))
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            let eventId = try await server.sendOK(alice, roomId)
            let unknownRoom = "!nowhere:\(server.serverName)"

            // Not a member of a room with shared history.
            for path in ["state", "state/m.room.create", "members", "messages?dir=b",
                         "context/\(TestServer.segment(eventId))"] {
                let response = try await server.client.get(server.roomPath(roomId, path), token: bob.accessToken)
                #expect(response.status == 403, "\(path)")
                #expect(response.errcode == "M_FORBIDDEN", "\(path)")
            }
            let joined = try await server.client.get(server.roomPath(roomId, "joined_members"), token: bob.accessToken)
            #expect(joined.status == 403)
            #expect(joined.errcode == "M_FORBIDDEN")
            // An event the requester may not see is indistinguishable from an unknown one.
            let hidden = try await server.client.get(
                server.roomPath(roomId, "event/\(TestServer.segment(eventId))"), token: bob.accessToken)
            #expect(hidden.status == 404)
            #expect(hidden.errcode == "M_NOT_FOUND")

            // Unknown things.
            let unknownEvent = try await server.client.get(server.roomPath(roomId, "event/%24nope"),
                                                           token: alice.accessToken)
            #expect(unknownEvent.status == 404)
            #expect(unknownEvent.errcode == "M_NOT_FOUND")
            let missingKey = try await server.client.get(server.roomPath(roomId, "state/m.room.topic"),
                                                         token: alice.accessToken)
            #expect(missingKey.status == 404)
            #expect(missingKey.errcode == "M_NOT_FOUND")
            let missingMember = try await server.client.get(
                server.roomPath(roomId, "state/m.room.member/\(TestServer.segment(bob.userId))"), token: alice.accessToken)
            #expect(missingMember.status == 404)
            for path in ["state", "members", "messages?dir=b", "event/\(TestServer.segment(eventId))"] {
                let response = try await server.client.get(server.roomPath(unknownRoom, path), token: alice.accessToken)
                #expect(response.status == 404, "\(path)")
                #expect(response.errcode == "M_NOT_FOUND", "\(path)")
            }
            // An event of another room (a later create: v12 room IDs hash the create event, timestamp included).
            server.clock.advance(ms: 1)
            let otherRoom = try await server.createRoom(alice)
            let elsewhere = try await server.client.get(
                server.roomPath(otherRoom, "event/\(TestServer.segment(eventId))"), token: alice.accessToken)
            #expect(elsewhere.status == 404)

            // Bad parameters.
            let badFormat = try await server.client.get(server.roomPath(roomId, "state/m.room.create?format=xml"),
                                                        token: alice.accessToken)
            #expect(badFormat.status == 400)
            #expect(badFormat.errcode == "M_INVALID_PARAM")
            let badMembership = try await server.client.get(server.roomPath(roomId, "members?membership=joined"),
                                                            token: alice.accessToken)
            #expect(badMembership.status == 400)
            #expect(badMembership.errcode == "M_INVALID_PARAM")
            let badAt = try await server.client.get(server.roomPath(roomId, "members?at=banana"),
                                                    token: alice.accessToken)
            #expect(badAt.status == 400)
            #expect(badAt.errcode == "M_INVALID_PARAM")
            // No token.
            let anonymous = try await server.client.get(server.roomPath(roomId, "state"))
            #expect(anonymous.status == 401)
        }
    }

    @Test func worldReadableRoomsCanBePeekedIntoByAnyoneAndGuests() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["name": "Open"])
            try await server.setHistoryVisibility(alice, roomId, "world_readable")
            let eventId = try await server.sendOK(alice, roomId, "hello world")
            let guestResponse = try await server.client.post("/_matrix/client/v3/register?kind=guest", [:])
            let guestToken = try #require(guestResponse.json["access_token"]?.stringValue)
            for token in [bob.accessToken, guestToken] {
                let state = try await server.client.get(server.roomPath(roomId, "state/m.room.name"), token: token)
                #expect(state.json == ["name": "Open"])
                let page = try await server.client.get(server.roomPath(roomId, "messages?dir=b"), token: token)
                #expect(page.status == 200)
                #expect(page.json.bodies == ["hello world"])
                let event = try await server.client.get(
                    server.roomPath(roomId, "event/\(TestServer.segment(eventId))"), token: token)
                #expect(event.status == 200)
                let members = try await server.client.get(server.roomPath(roomId, "members"), token: token)
                #expect(members.json.events().count == 1)
                // joined_members is for members only.
                let joined = try await server.client.get(server.roomPath(roomId, "joined_members"), token: token)
                #expect(joined.status == 403)
            }
        }
    }

    @Test func membersAndJoinedMembers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            let before = try await server.messages(alice, roomId, "dir=b&limit=1")
            let tokenBeforeBob = try #require(before.json["start"]?.stringValue)
            try await server.joinOK(bob, roomId)
            try await server.inviteOK(alice, roomId, carol)

            let all = try await server.client.get(server.roomPath(roomId, "members"), token: alice.accessToken)
            #expect(all.status == 200)
            let memberships = Dictionary(uniqueKeysWithValues: all.json.events().compactMap { event in
                event["state_key"]?.stringValue.map { ($0, event["content"]?["membership"]?.stringValue ?? "") }
            })
            #expect(memberships == [alice.userId: "join", bob.userId: "join", carol.userId: "invite"])

            func members(_ query: String) async throws -> Set<String> {
                let response = try await server.client.get(server.roomPath(roomId, "members?\(query)"),
                                                           token: bob.accessToken)
                #expect(response.status == 200, "\(query)")
                return Set(response.json.events().compactMap { $0["state_key"]?.stringValue })
            }
            #expect(try await members("membership=join") == [alice.userId, bob.userId])
            #expect(try await members("not_membership=join") == [carol.userId])
            #expect(try await members("membership=invite") == [carol.userId])
            // Both: the spec's 'or' (membership is invite, or is not join).
            #expect(try await members("membership=invite&not_membership=join") == [carol.userId])
            #expect(try await members("membership=join&not_membership=invite") == [alice.userId, bob.userId])
            // At a token from before Bob joined.
            #expect(try await members("at=\(TestServer.queryValue(tokenBeforeBob))") == [alice.userId])

            let joined = try await server.client.get(server.roomPath(roomId, "joined_members"), token: bob.accessToken)
            #expect(joined.status == 200)
            let map = try #require(joined.json["joined"]?.objectValue)
            #expect(Set(map.keys) == [alice.userId, bob.userId])
            #expect(map[alice.userId]?.objectValue != nil)
            // An invited user is not a member yet.
            let invited = try await server.client.get(server.roomPath(roomId, "joined_members"), token: carol.accessToken)
            #expect(invited.status == 403)
        }
    }

    @Test func departedUsersReadTheStateAsTheyLeftIt() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Before"])
            try await server.joinOK(bob, roomId)
            try await server.leaveOK(bob, roomId)
            let renamed = try await server.putState(alice, roomId, type: "m.room.name", ["name": "After"])
            #expect(renamed.status == 200)

            let name = try await server.client.get(server.roomPath(roomId, "state/m.room.name"), token: bob.accessToken)
            #expect(name.status == 200)
            #expect(name.json == ["name": "Before"])
            let own = try await server.client.get(
                server.roomPath(roomId, "state/m.room.member/\(TestServer.segment(bob.userId))"), token: bob.accessToken)
            #expect(own.json["membership"]?.stringValue == "leave")
            let all = try await server.client.get(server.roomPath(roomId, "state"), token: bob.accessToken)
            let names = (all.json.arrayValue ?? []).filter { $0["type"]?.stringValue == "m.room.name" }
            #expect(names.first?["content"]?["name"]?.stringValue == "Before")
            let current = try await server.client.get(server.roomPath(roomId, "state/m.room.name"), token: alice.accessToken)
            #expect(current.json == ["name": "After"])
            let members = try await server.client.get(server.roomPath(roomId, "members"), token: bob.accessToken)
            #expect(members.status == 200)
            // Forgetting the room ends that.
            let forget = try await server.client.post(server.roomPath(roomId, "forget"), [:], token: bob.accessToken)
            if forget.status == 200 {
                let after = try await server.client.get(server.roomPath(roomId, "state"), token: bob.accessToken)
                #expect(after.status == 403)
            }
        }
    }
}
