import Foundation
import MatrixCore
import MyelinProfiles
import Testing

/// Profiles over HTTP: each field, the refusals, and the member events a change sends.
@Suite struct ProfileTests {
    @Test func eachFieldCanBeSetReadAndDeleted() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            // Registration gives the localpart as displayname (as Synapse); no token is needed to read.
            let initial = try await server.client.get(server.profilePath(alice.userId))
            #expect(initial.status == 200)
            #expect(initial.json == ["displayname": "alice"])

            try await server.putProfileOK(alice, "displayname", "  Alice Liddell ")
            let avatar = "mxc://\(server.serverName)/abcDEF_123-x"
            try await server.putProfileOK(alice, "avatar_url", .string(avatar))
            try await server.putProfileOK(alice, "m.tz", "Europe/London")
            try await server.putProfileOK(alice, "org.example.pronouns", ["en": "she/her", "count": 2])

            let name = try await server.client.get(server.profilePath(alice.userId, "displayname"))
            #expect(name.status == 200)
            #expect(name.json == ["displayname": "Alice Liddell"])  // trimmed, as Synapse
            #expect(try await server.client.get(server.profilePath(alice.userId, "avatar_url")).json
                == ["avatar_url": .string(avatar)])
            #expect(try await server.client.get(server.profilePath(alice.userId, "m.tz")).json == ["m.tz": "Europe/London"])
            #expect(try await server.client.get(server.profilePath(alice.userId, "org.example.pronouns")).json
                == ["org.example.pronouns": ["en": "she/her", "count": 2]])
            let whole = try await server.client.get(server.profilePath(alice.userId), token: alice.accessToken)
            #expect(whole.json == [
                "displayname": "Alice Liddell", "avatar_url": .string(avatar), "m.tz": "Europe/London",
                "org.example.pronouns": ["en": "she/her", "count": 2],
            ])

            // Replacing, then deleting.
            try await server.putProfileOK(alice, "org.example.pronouns", "she/her")
            #expect(try await server.client.get(server.profilePath(alice.userId, "org.example.pronouns")).json
                == ["org.example.pronouns": "she/her"])
            for key in ["org.example.pronouns", "m.tz", "displayname", "avatar_url"] {
                let deleted = try await server.deleteProfile(alice, key)
                #expect(deleted.status == 200, "\(key)")
                let gone = try await server.client.get(server.profilePath(alice.userId, key))
                #expect(gone.status == 404, "\(key)")
                #expect(gone.errcode == "M_NOT_FOUND", "\(key)")
            }
            // Deleting what is not there succeeds; an empty profile is still a profile.
            #expect(try await server.deleteProfile(alice, "org.example.never").status == 200)
            let empty = try await server.client.get(server.profilePath(alice.userId))
            #expect(empty.status == 200)
            #expect(empty.json == [:])
            // An empty string clears displayname and avatar_url too.
            try await server.putProfileOK(alice, "displayname", "Alice")
            try await server.putProfileOK(alice, "displayname", "")
            #expect(try await server.client.get(server.profilePath(alice.userId, "displayname")).status == 404)

            // The capabilities say profiles may be changed.
            let capabilities = try await server.client.get("/_matrix/client/v3/capabilities", token: alice.accessToken)
            #expect(capabilities.json["capabilities"]?["m.profile_fields"]?["enabled"] == true)
            #expect(capabilities.json["capabilities"]?["m.set_displayname"]?["enabled"] == true)
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")

            // Someone else's profile.
            let other = try await server.putProfile(bob, "displayname", "Not Alice", of: alice.userId)
            #expect(other.status == 403)
            #expect(other.errcode == "M_FORBIDDEN")
            let otherDelete = try await server.deleteProfile(bob, "displayname", of: alice.userId)
            #expect(otherDelete.status == 403)
            #expect(otherDelete.errcode == "M_FORBIDDEN")
            #expect(try await server.client.get(server.profilePath(alice.userId, "displayname")).json
                == ["displayname": "alice"])
            let unauthenticated = try await server.client.put(server.profilePath(alice.userId, "displayname"),
                                                              ["displayname": "x"])
            #expect(unauthenticated.status == 401)

            // Unknown, remote and malformed users.
            for userId in ["@nobody:\(server.serverName)", "@someone:elsewhere.example"] {
                for path in [server.profilePath(userId), server.profilePath(userId, "displayname")] {
                    let response = try await server.client.get(path)
                    #expect(response.status == 404, "\(path)")
                    #expect(response.errcode == "M_NOT_FOUND", "\(path)")
                }
            }
            let malformed = try await server.client.get(server.profilePath("not-a-user-id"))
            #expect(malformed.status == 400)
            #expect(malformed.errcode == "M_INVALID_PARAM")

            // Bad values.
            let cases: [(String, JSONValue, String)] = [
                ("displayname", .string(String(repeating: "x", count: 257)), "M_INVALID_PARAM"),
                ("displayname", 5, "M_INVALID_PARAM"),
                ("displayname", nil, "M_INVALID_PARAM"),
                ("avatar_url", "https://example.com/me.png", "M_INVALID_PARAM"),
                ("avatar_url", "mxc://bad server/x", "M_INVALID_PARAM"),
                ("avatar_url", "mxc://example.com/", "M_INVALID_PARAM"),
                ("avatar_url", ["url": "mxc://example.com/abc"], "M_INVALID_PARAM"),
                ("m.tz", 1, "M_INVALID_PARAM"),
                ("org.example.field", nil, "M_INVALID_PARAM"),
            ]
            for (key, value, errcode) in cases {
                let response = try await server.putProfile(alice, key, value)
                #expect(response.status == 400, "\(key) \(value)")
                #expect(response.errcode == errcode, "\(key) \(value)")
            }
            #expect(try await server.putProfile(alice, "displayname", .string(String(repeating: "é", count: 256)))
                .status == 200)
            let missing = try await server.client.put(server.profilePath(alice.userId, "displayname"),
                                                      ["avatar_url": "mxc://example.com/abc"], token: alice.accessToken)
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let notObject = try await server.client.put(server.profilePath(alice.userId, "displayname"), "Alice",
                                                        token: alice.accessToken)
            #expect(notObject.status == 400)

            // Bad keys: outside the grammar, or longer than 255 bytes.
            for key in ["Org.Example", "9lives", "org.example field", "org/example"] {
                let response = try await server.client.put(server.profilePath(alice.userId, key), .object([key: 1]),
                                                            token: alice.accessToken)
                #expect(response.status == 400, "\(key)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(key)")
            }
            let longKey = "org.example." + String(repeating: "k", count: 250)
            for response in [try await server.putProfile(alice, longKey, 1),
                             try await server.client.get(server.profilePath(alice.userId, longKey)),
                             try await server.deleteProfile(alice, longKey)] {
                #expect(response.status == 400)
                #expect(response.errcode == "M_KEY_TOO_LARGE")
            }

            // The whole profile stays under 64 KiB; shrinking always works.
            let big = String(repeating: "a", count: 40_000)
            try await server.putProfileOK(alice, "org.example.one", .string(big))
            let tooLarge = try await server.putProfile(alice, "org.example.two", .string(big))
            #expect(tooLarge.status == 400)
            #expect(tooLarge.errcode == "M_PROFILE_TOO_LARGE")
            #expect(try await server.client.get(server.profilePath(alice.userId, "org.example.two")).status == 404)
            let grownName = try await server.putProfile(alice, "org.example.one", .string(big + big))
            #expect(grownName.errcode == "M_PROFILE_TOO_LARGE")
            try await server.putProfileOK(alice, "org.example.one", "small")
            try await server.putProfileOK(alice, "org.example.two", .string(big))

            // Guests may change their displayname only.
            let guest = try await server.registerGuest()
            #expect(try await server.putProfile(guest, "displayname", "Visitor").status == 200)
            #expect(try await server.deleteProfile(guest, "displayname").status == 200)
            for key in ["avatar_url", "m.tz"] {
                let response = try await server.putProfile(guest, key, key == "m.tz" ? "UTC" : "mxc://example.com/abc")
                #expect(response.status == 403, "\(key)")
                #expect(response.errcode == "M_GUEST_ACCESS_FORBIDDEN", "\(key)")
            }

            // A deactivated user has no profile.
            try await server.deactivate(bob)
            let deactivated = try await server.client.get(server.profilePath(bob.userId))
            #expect(deactivated.status == 404)
            #expect(deactivated.errcode == "M_NOT_FOUND")
        }
    }

    @Test func adminsMayChangeAnyLocalProfile() async throws {
        try await withServer { server in
            let admin = try await server.registerAdmin("admin")
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            #expect(try await server.putProfile(admin, "displayname", "Renamed", of: alice.userId).status == 200)
            #expect(try await server.client.get(server.profilePath(alice.userId, "displayname")).json
                == ["displayname": "Renamed"])
            // The member event is alice's own, as only she can send it.
            #expect(try await server.memberContent(alice, roomId, alice.userId)["displayname"] == "Renamed")
            #expect(try await server.stateSender(roomId, "m.room.member", alice.userId) == alice.userId)

            let unknown = try await server.putProfile(admin, "displayname", "Ghost", of: "@ghost:\(server.serverName)")
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            let remote = try await server.putProfile(admin, "displayname", "Far", of: "@far:elsewhere.example")
            #expect(remote.status == 400)
        }
    }

    @Test func changesReachTheMemberEventsOfJoinedRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let first = try await server.createRoom(alice)
            let second = try await server.createRoom(bob, ["preset": "public_chat"])
            // Alice joins the second room with content of her own, which a profile change must keep.
            #expect(try await server.putState(alice, second, type: "m.room.member", stateKey: alice.userId,
                                              ["membership": "join", "org.example.note": "hi"]).status == 200)
            let invitedOnly = try await server.createRoom(bob)
            #expect(try await server.invite(bob, invitedOnly, alice.userId).status == 200)

            let avatar = "mxc://\(server.serverName)/avatar1"
            try await server.putProfileOK(alice, "displayname", "Alice L")
            try await server.putProfileOK(alice, "avatar_url", .string(avatar))
            #expect(try await server.memberContent(bob, second, alice.userId)["displayname"] == "Alice L")
            for roomId in [first, second] {
                let content = try await server.memberContent(alice, roomId, alice.userId)
                #expect(content["membership"] == "join", "\(roomId)")
                #expect(content["displayname"] == "Alice L", "\(roomId)")
                #expect(content["avatar_url"] == .string(avatar), "\(roomId)")
            }
            #expect(try await server.memberContent(bob, second, alice.userId) == [
                "membership": "join", "displayname": "Alice L", "avatar_url": .string(avatar), "org.example.note": "hi",
            ])
            // Rooms she is only invited to keep their invite.
            let invite = try #require(try await server.memberEvent(invitedOnly, alice.userId))
            #expect(invite["content"]?["membership"] == "invite")
            #expect(invite["content"]?["displayname"] == "alice")

            // Setting the same value again sends nothing; a custom field sends nothing.
            let before = try #require(try await server.memberEvent(first, alice.userId))["event_id"]
            try await server.putProfileOK(alice, "displayname", "Alice L")
            try await server.putProfileOK(alice, "org.example.field", "x")
            #expect(try await server.memberEvent(first, alice.userId)?["event_id"] == before)

            // Clearing the avatar removes it from the member events.
            #expect(try await server.deleteProfile(alice, "avatar_url").status == 200)
            #expect(try await server.memberContent(alice, second, alice.userId) == [
                "membership": "join", "displayname": "Alice L", "org.example.note": "hi",
            ])

            // Bob sees the change in the timeline of the room they share.
            let messages = try await server.client.get(server.roomPath(second, "messages?dir=b&limit=3"),
                                                       token: bob.accessToken)
            let latest = try #require(messages.json["chunk"]?.arrayValue?.first)
            #expect(latest["type"] == "m.room.member")
            #expect(latest["sender"] == .string(alice.userId))
            #expect(latest["unsigned"]?["prev_content"]?["avatar_url"] == .string(avatar))
        }
    }

    @Test func aRoomThatRefusesTheEventIsSkipped() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            // A join rule the authorisation rules do not know refuses every join, a re-join included.
            let stuck = try await server.createRoom(alice)
            try await server.putStateOK(alice, stuck, type: "m.room.join_rules", ["join_rule": "private"])
            let fine = try await server.createRoom(alice)
            let updates = await server.running.homeserver.services.profiles.updates.subscribe()

            try await server.putProfileOK(alice, "displayname", "Alice L")
            #expect(try await server.memberContent(alice, stuck, alice.userId)["displayname"] == "alice")
            #expect(try await server.memberContent(alice, fine, alice.userId)["displayname"] == "Alice L")
            // Observers (presence) hear of the change.
            var iterator = updates.makeAsyncIterator()
            #expect(await iterator.next() == ProfileUpdate(userId: alice.userId, displayname: "Alice L", avatarURL: nil))
        }
    }

    @Test func newMemberEventsCarryTheProfile() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let avatar = "mxc://\(server.serverName)/bobface"
            try await server.putProfileOK(bob, "displayname", "Bob B")
            try await server.putProfileOK(bob, "avatar_url", .string(avatar))

            // The creator's join.
            let own = try await server.createRoom(bob)
            #expect(try await server.memberContent(bob, own, bob.userId) == [
                "membership": "join", "displayname": "Bob B", "avatar_url": .string(avatar),
            ])
            // An invite (of a local user) and the join that follows.
            let roomId = try await server.createRoom(alice)
            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            #expect(try await server.memberEvent(roomId, bob.userId)?["content"]?["displayname"] == "Bob B")
            try await server.joinOK(bob, roomId)
            #expect(try await server.memberContent(alice, roomId, bob.userId) == [
                "membership": "join", "displayname": "Bob B", "avatar_url": .string(avatar),
            ])
            // Joining again changes nothing.
            let joined = try #require(try await server.memberEvent(roomId, bob.userId))["event_id"]
            try await server.joinOK(bob, roomId)
            #expect(try await server.memberEvent(roomId, bob.userId)?["event_id"] == joined)
            // A displayname the client gives for this room is kept (per-room names).
            #expect(try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId,
                                              ["membership": "join", "displayname": "Bob here"]).status == 200)
            #expect(try await server.memberContent(alice, roomId, bob.userId) == [
                "membership": "join", "displayname": "Bob here", "avatar_url": .string(avatar),
            ])
        }
    }
}
