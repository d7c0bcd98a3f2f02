import Foundation
import MatrixCore
import Testing

@Suite struct RoomDirectoryTests {
    func visibilityPath(_ roomId: String) -> String {
        "/_matrix/client/v3/directory/list/room/\(TestServer.segment(roomId))"
    }

    @Test func publishingARoom() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let admin = try await server.registerAdmin("root")
            let roomId = try await server.newRoom(alice, ["preset": "public_chat"])

            let initial = try await server.client.get(visibilityPath(roomId))
            #expect(initial.status == 200)
            #expect(initial.json["visibility"]?.stringValue == "private")

            let published = try await server.client.put(visibilityPath(roomId), ["visibility": "public"],
                                                         token: alice.accessToken)
            #expect(published.status == 200)
            #expect(try await server.client.get(visibilityPath(roomId)).json["visibility"]?.stringValue == "public")

            // Not in the room; in it but without the power; a guest; no token.
            let outsider = try await server.client.put(visibilityPath(roomId), ["visibility": "private"],
                                                       token: bob.accessToken)
            #expect(outsider.status == 403)
            #expect(outsider.errcode == "M_FORBIDDEN")
            try await server.joinOK(bob, roomId)
            let member = try await server.client.put(visibilityPath(roomId), ["visibility": "private"],
                                                     token: bob.accessToken)
            #expect(member.status == 403)
            #expect(member.errcode == "M_FORBIDDEN")
            let guest = try await server.registerGuest()
            let byGuest = try await server.client.put(visibilityPath(roomId), ["visibility": "private"],
                                                      token: guest.accessToken)
            #expect(byGuest.status == 403)
            let anonymous = try await server.client.put(visibilityPath(roomId), ["visibility": "private"])
            #expect(anonymous.status == 401)
            #expect(try await server.client.get(visibilityPath(roomId)).json["visibility"]?.stringValue == "public")

            // A server admin may, without being in the room; the default is public.
            let unpublished = try await server.client.put(visibilityPath(roomId), ["visibility": "private"],
                                                          token: admin.accessToken)
            #expect(unpublished.status == 200)
            #expect(try await server.client.get(visibilityPath(roomId)).json["visibility"]?.stringValue == "private")
            #expect(try await server.client.put(visibilityPath(roomId), [:], token: alice.accessToken).status == 200)
            #expect(try await server.client.get(visibilityPath(roomId)).json["visibility"]?.stringValue == "public")

            // Bad input and unknown rooms.
            let bad = try await server.client.put(visibilityPath(roomId), ["visibility": "secret"],
                                                  token: alice.accessToken)
            #expect(bad.status == 400)
            #expect(bad.errcode == "M_BAD_JSON")
            let unknownRoom = "!nope:\(server.serverName)"
            let unknownGet = try await server.client.get(visibilityPath(unknownRoom))
            #expect(unknownGet.status == 404)
            #expect(unknownGet.errcode == "M_NOT_FOUND")
            let unknownPut = try await server.client.put(visibilityPath(unknownRoom), ["visibility": "public"],
                                                         token: alice.accessToken)
            #expect(unknownPut.status == 404)
            #expect(unknownPut.errcode == "M_NOT_FOUND")
        }
    }

    /// Three listed rooms with 3, 2 and 1 joined members, plus rooms that must not be listed.
    func populate(_ server: TestServer) async throws -> (big: String, middle: String, small: String, users: [TestServer.User]) {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let big = try await server.newRoom(alice, ["preset": "public_chat", "name": "Big Hall", "topic": "Everyone"])
        let middle = try await server.newRoom(alice, ["preset": "public_chat", "name": "Garden",
                                                         "topic": "Tomatoes and BEANS"])
        let small = try await server.newRoom(alice, [
            "preset": "public_chat", "name": "Spaces", "creation_content": ["type": "m.space"],
        ])
        try await server.joinOK(bob, big)
        try await server.joinOK(carol, big)
        try await server.joinOK(bob, middle)
        #expect(try await server.putAlias(alice, server.alias("garden"), middle).status == 200)
        try await server.putStateOK(alice, middle, type: "m.room.canonical_alias",
                                    ["alias": .string(server.alias("garden"))])
        try await server.putStateOK(alice, middle, type: "m.room.avatar", ["url": "mxc://example.org/garden"])
        try await server.putStateOK(alice, middle, type: "m.room.guest_access", ["guest_access": "can_join"])
        // Published but invite-only: not listed.
        let secret = try await server.newRoom(alice, ["preset": "private_chat", "name": "Secret"])
        // Public but not published: not listed.
        _ = try await server.newRoom(alice, ["preset": "public_chat", "name": "Unlisted"])
        for room in [big, middle, small, secret] {
            let response = try await server.client.put(
                "/_matrix/client/v3/directory/list/room/\(TestServer.segment(room))", ["visibility": "public"],
                token: alice.accessToken)
            #expect(response.status == 200)
        }
        return (big, middle, small, [alice, bob, carol])
    }

    @Test func listingOrderFieldsAndFilters() async throws {
        try await withServer { server in
            let (big, middle, small, users) = try await populate(server)
            let alice = users[0]

            // GET needs no token.
            let all = try await server.client.get("/_matrix/client/v3/publicRooms")
            #expect(all.status == 200)
            let chunk = try #require(all.json["chunk"]?.arrayValue)
            #expect(chunk.compactMap { $0["room_id"]?.stringValue } == [big, middle, small])
            #expect(all.json["total_room_count_estimate"]?.intValue == 3)
            #expect(all.json["next_batch"] == nil)
            #expect(all.json["prev_batch"] == nil)
            let garden = chunk[1]
            #expect(garden["name"]?.stringValue == "Garden")
            #expect(garden["topic"]?.stringValue == "Tomatoes and BEANS")
            #expect(garden["canonical_alias"]?.stringValue == server.alias("garden"))
            #expect(garden["avatar_url"]?.stringValue == "mxc://example.org/garden")
            #expect(garden["num_joined_members"]?.intValue == 2)
            #expect(garden["world_readable"]?.boolValue == false)
            #expect(garden["guest_can_join"]?.boolValue == true)
            #expect(garden["join_rule"]?.stringValue == "public")
            #expect(garden["room_type"] == nil)
            #expect(chunk[2]["room_type"]?.stringValue == "m.space")
            #expect(chunk[0]["guest_can_join"]?.boolValue == false)

            // POST: search in name, topic and alias, ignoring case.
            func search(_ filter: JSONObject, token: String? = nil) async throws -> [String] {
                let response = try await server.client.post("/_matrix/client/v3/publicRooms", ["filter": .object(filter)],
                                                             token: token ?? alice.accessToken)
                #expect(response.status == 200)
                return response.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } ?? []
            }
            #expect(try await search(["generic_search_term": "beans"]) == [middle])
            #expect(try await search(["generic_search_term": "HALL"]) == [big])
            #expect(try await search(["generic_search_term": "garden:"]) == [middle])
            #expect(try await search(["generic_search_term": "nothing like it"]) == [])
            #expect(try await search(["room_types": ["m.space"]]) == [small])
            #expect(try await search(["room_types": [nil]]) == [big, middle])
            #expect(try await search(["room_types": [nil, "m.space"]]) == [big, middle, small])
            #expect(try await search(["room_types": []]) == [big, middle, small])
            let bridged = try await server.client.post("/_matrix/client/v3/publicRooms",
                                                       ["third_party_instance_id": "irc"], token: alice.accessToken)
            #expect(bridged.json["chunk"] == .array([]))
            let allNetworks = try await server.client.post(
                "/_matrix/client/v3/publicRooms", ["include_all_networks": true], token: alice.accessToken)
            #expect(allNetworks.json["chunk"]?.arrayValue?.count == 3)
        }
    }

    @Test func worldReadableRoomsAreListedWhateverTheirJoinRule() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.newRoom(alice, ["preset": "private_chat", "name": "Reading room"])
            #expect(try await server.client.put("/_matrix/client/v3/directory/list/room/\(TestServer.segment(roomId))",
                                                ["visibility": "public"], token: alice.accessToken).status == 200)
            let before = try await server.client.get("/_matrix/client/v3/publicRooms")
            #expect(before.json["chunk"] == .array([]))
            try await server.putStateOK(alice, roomId, type: "m.room.history_visibility",
                                        ["history_visibility": "world_readable"])
            let after = try await server.client.get("/_matrix/client/v3/publicRooms")
            let entry = try #require(after.json["chunk"]?.arrayValue?.first)
            #expect(entry["room_id"]?.stringValue == roomId)
            #expect(entry["world_readable"]?.boolValue == true)
            #expect(entry["join_rule"]?.stringValue == "invite")
            // A room everyone left is not listed.
            #expect(try await server.leave(alice, roomId).status == 200)
            let empty = try await server.client.get("/_matrix/client/v3/publicRooms")
            #expect(empty.json["chunk"] == .array([]))
        }
    }

    @Test func pagination() async throws {
        try await withServer { server in
            let (big, middle, small, users) = try await populate(server)
            let first = try await server.client.get("/_matrix/client/v3/publicRooms?limit=1")
            #expect(first.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } == [big])
            #expect(first.json["prev_batch"] == nil)
            #expect(first.json["total_room_count_estimate"]?.intValue == 3)
            let next = try #require(first.json["next_batch"]?.stringValue)

            let second = try await server.client.get("/_matrix/client/v3/publicRooms?limit=1&since=\(next)")
            #expect(second.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } == [middle])
            let previous = try #require(second.json["prev_batch"]?.stringValue)
            let third = try #require(second.json["next_batch"]?.stringValue)

            let last = try await server.client.post("/_matrix/client/v3/publicRooms",
                                                    ["limit": 5, "since": .string(third)], token: users[1].accessToken)
            #expect(last.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } == [small])
            #expect(last.json["next_batch"] == nil)
            #expect(last.json["prev_batch"] != nil)

            let back = try await server.client.get("/_matrix/client/v3/publicRooms?limit=1&since=\(previous)")
            #expect(back.json["chunk"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } == [big])
            #expect(back.json["prev_batch"] == nil)
            #expect(back.json["next_batch"] != nil)

            // Bad input.
            for query in ["limit=-1", "limit=ten", "since=garbage", "since=f1.%2A%2A"] {
                let response = try await server.client.get("/_matrix/client/v3/publicRooms?\(query)")
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(query)")
            }
            let badFilter = try await server.client.post("/_matrix/client/v3/publicRooms", ["filter": ["room_types": [5]]],
                                                         token: users[0].accessToken)
            #expect(badFilter.errcode == "M_BAD_JSON")
            let badLimit = try await server.client.post("/_matrix/client/v3/publicRooms", ["limit": "5"],
                                                        token: users[0].accessToken)
            #expect(badLimit.errcode == "M_BAD_JSON")
            // POST needs a token; GET does not.
            let anonymous = try await server.client.post("/_matrix/client/v3/publicRooms", [:])
            #expect(anonymous.status == 401)
            // Our own server by name is fine; another server needs federation (not there yet).
            let ours = try await server.client.get("/_matrix/client/v3/publicRooms?server=\(server.serverName)")
            #expect(ours.json["chunk"]?.arrayValue?.count == 3)
            let remote = try await server.client.get("/_matrix/client/v3/publicRooms?server=elsewhere.example")
            #expect(remote.status == 502)
            let invalidServer = try await server.client.get("/_matrix/client/v3/publicRooms?server=bad%20name")
            #expect(invalidServer.status == 400)
            #expect(invalidServer.errcode == "M_INVALID_PARAM")
        }
    }
}
