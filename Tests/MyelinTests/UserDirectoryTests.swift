import Foundation
import MatrixCore
import Testing

/// `POST /user_directory/search`: who is visible, how terms match, limits.
@Suite struct UserDirectoryTests {
    @Test func visibilityFollowsSharedAndPublicRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")  // shares a private room with alice
            let carol = try await server.register("carol")  // in a public room without alice
            let dave = try await server.register("dave")  // in a world-readable invite-only room
            _ = try await server.register("erin")  // in no room
            let frank = try await server.register("frank")  // shares a room with erin only... and leaves

            let shared = try await server.newRoom(alice, ["preset": "private_chat"])
            #expect(try await server.invite(alice, shared, bob.userId).status == 200)
            try await server.joinOK(bob, shared)
            let lobby = try await server.newRoom(carol, ["preset": "public_chat"])
            _ = lobby
            let readable = try await server.newRoom(dave, ["preset": "private_chat"])
            try await server.putStateOK(dave, readable, type: "m.room.history_visibility",
                                        ["history_visibility": "world_readable"])
            let left = try await server.newRoom(frank, ["preset": "private_chat"])
            #expect(try await server.invite(frank, left, alice.userId).status == 200)
            try await server.joinOK(alice, left)

            #expect(try await server.searchUsers(alice, "bob").ids == [bob.userId])
            #expect(try await server.searchUsers(alice, "carol").ids == [carol.userId])
            #expect(try await server.searchUsers(alice, "dave").ids == [dave.userId])
            #expect(try await server.searchUsers(alice, "erin").ids == [])
            #expect(try await server.searchUsers(alice, "frank").ids == [frank.userId])
            // Only joined members count: after leaving, frank is out of sight.
            #expect(try await server.leave(alice, left).status == 200)
            #expect(try await server.searchUsers(alice, "frank").ids == [])
            // Alice finds herself only through a public room (as Synapse).
            #expect(try await server.searchUsers(alice, "alice").ids == [])
            try await server.joinOK(alice, lobby)
            #expect(try await server.searchUsers(alice, "alice").ids == [alice.userId])
            // A room that turns public shows its members from then on.
            try await server.putStateOK(frank, left, type: "m.room.join_rules", ["join_rule": "public"])
            #expect(try await server.searchUsers(alice, "frank").ids == [frank.userId])
            // A room that stops being public hides them again.
            try await server.putStateOK(carol, lobby, type: "m.room.join_rules", ["join_rule": "invite"])
            #expect(try await server.searchUsers(bob, "carol").ids == [])
            // Deactivated users are never found.
            try await server.deactivate(bob)
            #expect(try await server.searchUsers(alice, "bob").ids == [])
        }
    }

    @Test func searchAllUsersFindsEveryActiveLocalUser() async throws {
        try await withServer({ $0.userDirectorySearchAllUsers = true }) { server in
            let alice = try await server.register("alice")
            let erin = try await server.register("erin")
            let gone = try await server.register("erik")
            #expect(try await server.searchUsers(alice, "erin").ids == [erin.userId])
            #expect(try await server.searchUsers(alice, "alice").ids == [alice.userId])
            try await server.deactivate(gone)
            #expect(try await server.searchUsers(alice, "eri").ids == [erin.userId])
        }
    }

    @Test func termsMatchWordPrefixesOfLocalpartAndDisplayname() async throws {
        try await withServer({ $0.userDirectorySearchAllUsers = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob.builder")
            let avatar = "mxc://\(server.serverName)/bob"
            try await server.putProfileOK(bob, "displayname", "Robert Smith-Jones")
            try await server.putProfileOK(bob, "avatar_url", .string(avatar))
            let zoe = try await server.register("zoe")
            try await server.putProfileOK(zoe, "displayname", "Zoë Ångström")

            for term in ["rob", "ROBERT", "smi", "jones", "rob smi", "Smith-J", "bob", "build", "bob.b",
                         "@bob.builder:\(server.serverName)"] {
                #expect(try await server.searchUsers(alice, term).ids == [bob.userId], "\(term)")
            }
            for term in ["obert", "mith", "robert zed", "", "  ", "@alice:elsewhere.example x"] {
                #expect(try await server.searchUsers(alice, term).ids == [], "\(term)")
            }
            // Case-insensitive beyond ASCII.
            #expect(try await server.searchUsers(alice, "ÅNGSTR").ids == [zoe.userId])
            #expect(try await server.searchUsers(alice, "zoë").ids == [zoe.userId])

            // The result's shape.
            let response = try await server.client.post("/_matrix/client/v3/user_directory/search",
                                                         ["search_term": "robert"], token: alice.accessToken)
            #expect(response.json == [
                "results": [["user_id": .string(bob.userId), "display_name": "Robert Smith-Jones",
                             "avatar_url": .string(avatar)]],
                "limited": false,
            ])
            // Changing a displayname changes what finds the user.
            try await server.putProfileOK(bob, "displayname", "Bobby")
            #expect(try await server.searchUsers(alice, "robert").ids == [])
            #expect(try await server.searchUsers(alice, "bobby").ids == [bob.userId])
        }
    }

    @Test func limitAndRanking() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let lobby = try await server.newRoom(alice, ["preset": "public_chat"])
            var users: [TestServer.User] = []
            for localpart in ["tester", "testa", "testb", "xtest", "testc"] {
                let user = try await server.register(localpart)
                try await server.joinOK(user, lobby)
                users.append(user)
            }
            try await server.putProfileOK(users[2], "avatar_url", "mxc://example.com/b")
            try await server.putProfileOK(users[3], "displayname", "Test")

            let all = try await server.searchUsers(alice, "test")
            #expect(all.limited == false)
            // The exact name first, then (all with a displayname) those with an avatar, then by name;
            // "xtest" matches only through its displayname.
            #expect(all.ids == ["xtest", "testb", "testa", "testc", "tester"].map { "@\($0):\(server.serverName)" })
            let two = try await server.searchUsers(alice, "test", limit: 2)
            #expect(two.ids == Array(all.ids.prefix(2)))
            #expect(two.limited == true)
            let exact = try await server.searchUsers(alice, "test", limit: 5)
            #expect(exact.ids.count == 5)
            #expect(exact.limited == false)
            let none = try await server.searchUsers(alice, "test", limit: 0)
            #expect(none.ids.isEmpty)
            #expect(none.limited == true)
            #expect(try await server.searchUsers(alice, "test", limit: -3).ids.isEmpty)
            // Ten by default.
            for index in 0..<10 {
                let user = try await server.register("many\(index)")
                try await server.joinOK(user, lobby)
            }
            let page = try await server.searchUsers(alice, "many")
            #expect(page.ids.count == 10)
            #expect(page.limited == false)
            let more = try await server.register("many10")
            try await server.joinOK(more, lobby)
            #expect(try await server.searchUsers(alice, "many").limited == true)
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/user_directory/search"
            let missing = try await server.client.post(path, ["limit": 3], token: alice.accessToken)
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let badTerm = try await server.client.post(path, ["search_term": 5], token: alice.accessToken)
            #expect(badTerm.status == 400)
            #expect(badTerm.errcode == "M_BAD_JSON")
            let badLimit = try await server.client.post(path, ["search_term": "a", "limit": "ten"],
                                                        token: alice.accessToken)
            #expect(badLimit.status == 400)
            #expect(badLimit.errcode == "M_BAD_JSON")
            #expect(try await server.client.post(path, ["search_term": "a"]).status == 401)
            let guest = try await server.registerGuest()
            let guestSearch = try await server.client.post(path, ["search_term": "a"], token: guest.accessToken)
            #expect(guestSearch.status == 403)
            #expect(guestSearch.errcode == "M_GUEST_ACCESS_FORBIDDEN")
        }
    }
}
