import Foundation
import MatrixCore
import Testing

@Suite struct HierarchyTests {
    func hierarchy(_ server: TestServer, _ user: TestServer.User?, _ roomId: String, _ query: String = "")
        async throws -> TestResponse
    {
        try await server.client.get("/_matrix/client/v1/rooms/\(TestServer.segment(roomId))/hierarchy\(query)",
                                    token: user?.accessToken)
    }

    func roomIds(_ response: TestResponse) -> [String] {
        response.json["rooms"]?.arrayValue?.compactMap { $0["room_id"]?.stringValue } ?? []
    }

    struct Tree {
        let space: String
        let general: String
        let secret: String
        let subspace: String
        let deep: String
        let alice: TestServer.User
        let bob: TestServer.User
    }

    /// space ─┬─ general (public, suggested, order "a")
    ///        ├─ secret (invite-only, order "b")
    ///        └─ subspace (public space, order "c") ── deep (public, suggested)
    func makeTree(_ server: TestServer) async throws -> Tree {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let space = try await server.newRoom(alice, [
            "preset": "public_chat", "name": "Family", "topic": "Everything", "creation_content": ["type": "m.space"],
        ])
        let general = try await server.newRoom(alice, ["preset": "public_chat", "name": "General"])
        let secret = try await server.newRoom(alice, ["preset": "private_chat", "name": "Secret"])
        let subspace = try await server.newRoom(alice, [
            "preset": "public_chat", "name": "Projects", "creation_content": ["type": "m.space"],
        ])
        let deep = try await server.newRoom(alice, ["preset": "public_chat", "name": "Deep"])
        let via: JSONValue = .array([.string(server.serverName)])
        try await server.putStateOK(alice, space, type: "m.space.child", stateKey: general,
                                    ["via": via, "order": "a", "suggested": true])
        try await server.putStateOK(alice, space, type: "m.space.child", stateKey: secret, ["via": via, "order": "b"])
        try await server.putStateOK(alice, space, type: "m.space.child", stateKey: subspace, ["via": via, "order": "c"])
        // A removed child (no via) and a child pointing back up (a cycle) are harmless.
        try await server.putStateOK(alice, space, type: "m.space.child", stateKey: "!removed:\(server.serverName)", [:])
        try await server.putStateOK(alice, subspace, type: "m.space.child", stateKey: deep,
                                    ["via": via, "suggested": true])
        try await server.putStateOK(alice, subspace, type: "m.space.child", stateKey: space, ["via": via])
        return Tree(space: space, general: general, secret: secret, subspace: subspace, deep: deep, alice: alice, bob: bob)
    }

    @Test func walksTheTreeDepthFirstWithWhatTheUserMaySee() async throws {
        try await withServer { server in
            let tree = try await makeTree(server)
            let all = try await hierarchy(server, tree.alice, tree.space)
            #expect(all.status == 200)
            #expect(roomIds(all) == [tree.space, tree.general, tree.secret, tree.subspace, tree.deep])
            #expect(all.json["next_batch"] == nil)

            // Bob is in none of them: he sees the public ones, not the invite-only room.
            let bobs = try await hierarchy(server, tree.bob, tree.space)
            #expect(roomIds(bobs) == [tree.space, tree.general, tree.subspace, tree.deep])

            let root = try #require(bobs.json["rooms"]?.arrayValue?.first)
            #expect(root["name"]?.stringValue == "Family")
            #expect(root["topic"]?.stringValue == "Everything")
            #expect(root["room_type"]?.stringValue == "m.space")
            #expect(root["join_rule"]?.stringValue == "public")
            #expect(root["num_joined_members"]?.intValue == 1)
            #expect(root["world_readable"]?.boolValue == false)
            #expect(root["guest_can_join"]?.boolValue == false)
            #expect(root["room_version"] != nil)
            let children = try #require(root["children_state"]?.arrayValue)
            #expect(children.compactMap { $0["state_key"]?.stringValue } == [tree.general, tree.secret, tree.subspace])
            let first = children[0]
            #expect(first["type"]?.stringValue == "m.space.child")
            #expect(first["sender"]?.stringValue == tree.alice.userId)
            #expect(first["origin_server_ts"]?.intValue != nil)
            #expect(first["content"]?["order"]?.stringValue == "a")
            #expect(first["event_id"] == nil)
            // A room that is not a space has no children listed.
            let general = try #require(bobs.json["rooms"]?.arrayValue?[1])
            #expect(general["children_state"] == .array([]))

            // Once invited, bob sees the secret room too.
            #expect(try await server.invite(tree.alice, tree.secret, tree.bob.userId).status == 200)
            #expect(roomIds(try await hierarchy(server, tree.bob, tree.space)).contains(tree.secret))
        }
    }

    @Test func restrictedRoomsShowToMembersOfTheAllowedRooms() async throws {
        try await withServer { server in
            let tree = try await makeTree(server)
            let members = try await server.newRoom(tree.alice, ["preset": "private_chat", "name": "Members only"])
            try await server.putStateOK(tree.alice, members, type: "m.room.join_rules", [
                "join_rule": "restricted", "allow": [["type": "m.room_membership", "room_id": .string(tree.space)]],
            ])
            try await server.putStateOK(tree.alice, tree.space, type: "m.space.child", stateKey: members,
                                        ["via": .array([.string(server.serverName)]), "order": "d"])
            #expect(!roomIds(try await hierarchy(server, tree.bob, tree.space)).contains(members))
            let root = try await hierarchy(server, tree.bob, members)
            #expect(root.status == 403)
            try await server.joinOK(tree.bob, tree.space)
            let response = try await hierarchy(server, tree.bob, tree.space, "?max_depth=1")
            #expect(roomIds(response).last == members)
            let entry = try #require(response.json["rooms"]?.arrayValue?.last)
            #expect(entry["join_rule"]?.stringValue == "restricted")
            #expect(entry["allowed_room_ids"] == .array([.string(tree.space)]))
            #expect(entry["num_joined_members"]?.intValue == 1)
        }
    }

    @Test func depthSuggestedAndPagination() async throws {
        try await withServer { server in
            let tree = try await makeTree(server)
            #expect(roomIds(try await hierarchy(server, tree.alice, tree.space, "?max_depth=0")) == [tree.space])
            #expect(roomIds(try await hierarchy(server, tree.alice, tree.space, "?max_depth=1"))
                == [tree.space, tree.general, tree.secret, tree.subspace])
            let suggested = try await hierarchy(server, tree.alice, tree.space, "?suggested_only=true")
            #expect(roomIds(suggested) == [tree.space, tree.general])
            #expect(suggested.json["rooms"]?.arrayValue?.first?["children_state"]?.arrayValue?.count == 1)

            let page1 = try await hierarchy(server, tree.alice, tree.space, "?limit=2")
            #expect(roomIds(page1) == [tree.space, tree.general])
            let token = try #require(page1.json["next_batch"]?.stringValue)
            let page2 = try await hierarchy(server, tree.alice, tree.space, "?limit=2&from=\(token)")
            #expect(roomIds(page2) == [tree.secret, tree.subspace])
            let token2 = try #require(page2.json["next_batch"]?.stringValue)
            let page3 = try await hierarchy(server, tree.alice, tree.space, "?limit=2&from=\(token2)")
            #expect(roomIds(page3) == [tree.deep])
            #expect(page3.json["next_batch"] == nil)

            // The token is bound to the request's room, suggested_only and max_depth.
            for query in ["?from=\(token)&suggested_only=true", "?from=\(token)&max_depth=3", "?from=garbage"] {
                let response = try await hierarchy(server, tree.alice, tree.space, query)
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(query)")
            }
            let otherRoom = try await hierarchy(server, tree.alice, tree.subspace, "?from=\(token)")
            #expect(otherRoom.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let tree = try await makeTree(server)
            let unknown = try await hierarchy(server, tree.bob, "!nope:\(server.serverName)")
            #expect(unknown.status == 403)
            #expect(unknown.errcode == "M_FORBIDDEN")
            let hidden = try await hierarchy(server, tree.bob, tree.secret)
            #expect(hidden.status == 403)
            #expect(hidden.errcode == "M_FORBIDDEN")
            // Banned from a public space.
            #expect(try await server.ban(tree.alice, tree.space, tree.bob.userId).status == 200)
            let banned = try await hierarchy(server, tree.bob, tree.space)
            #expect(banned.status == 403)
            #expect(banned.errcode == "M_FORBIDDEN")
            for query in ["?limit=0", "?limit=-1", "?limit=lots", "?max_depth=-1", "?suggested_only=maybe"] {
                let response = try await hierarchy(server, tree.alice, tree.space, query)
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(query)")
            }
            let anonymous = try await hierarchy(server, nil, tree.space)
            #expect(anonymous.status == 401)
            // A world-readable room can be previewed by anyone.
            try await server.putStateOK(tree.alice, tree.secret, type: "m.room.history_visibility",
                                        ["history_visibility": "world_readable"])
            let preview = try await hierarchy(server, tree.bob, tree.secret)
            #expect(preview.status == 200)
            #expect(preview.json["rooms"]?.arrayValue?.first?["world_readable"]?.boolValue == true)
        }
    }
}
