import Foundation
import MatrixCore
import Testing

/// Joining, inviting, leaving, forgetting, joins by alias, the state API and guests.
@Suite struct RoomMembershipTests {
    @Test(arguments: ["1", "6", "10", "12"])
    func joinLeaveAndRejoinAPublicRoom(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "room_version": .string(version)])

            let joined = try await server.join(bob, roomId)
            #expect(joined.status == 200)
            #expect(joined.json["room_id"]?.stringValue == roomId)
            let first = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(first["content"]?.objectValue?["membership"] == "join")
            #expect(try await server.joinedRooms(bob) == [roomId])
            // Joining again changes nothing: the same member event.
            let again = try await server.membership(bob, roomId, "join")
            #expect(again.status == 200)
            #expect(again.json["room_id"]?.stringValue == roomId)
            #expect(try await server.memberEvent(roomId, bob.userId)?["event_id"] == first["event_id"])

            let left = try await server.leave(bob, roomId, reason: "lunch")
            #expect(left.status == 200)
            let leaveEvent = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(leaveEvent["content"]?.objectValue?["membership"] == "leave")
            #expect(leaveEvent["content"]?.objectValue?["reason"] == "lunch")
            #expect(try await server.joinedRooms(bob).isEmpty)
            // Leaving again with the same content is the same event; leaving a room never joined is refused.
            #expect(try await server.leave(bob, roomId, reason: "lunch").status == 200)
            #expect(try await server.memberEvent(roomId, bob.userId)?["event_id"] == leaveEvent["event_id"])
            let carol = try await server.register("carol")
            let never = try await server.leave(carol, roomId)
            #expect(never.status == 403)
            #expect(never.errcode == "M_FORBIDDEN")

            #expect(try await server.join(bob, roomId).status == 200)
            #expect(try await server.currentMembership(roomId, bob.userId) == "join")
            #expect(try await server.sendOK(bob, roomId).hasPrefix("$"))
        }
    }

    @Test(arguments: ["1", "6", "10", "12"])
    func inviteOnlyRooms(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": .string(version)])

            let uninvited = try await server.join(bob, roomId)
            #expect(uninvited.status == 403)
            #expect(uninvited.errcode == "M_FORBIDDEN")

            let invited = try await server.client.post(
                server.roomPath(roomId, "invite"), ["user_id": .string(bob.userId), "reason": "tea?"],
                token: alice.accessToken)
            #expect(invited.status == 200)
            let invite = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(invite["sender"]?.stringValue == alice.userId)
            #expect(invite["content"]?.objectValue?["membership"] == "invite")
            #expect(invite["content"]?.objectValue?["reason"] == "tea?")
            #expect(invite["content"]?.objectValue?["is_direct"] == nil)
            #expect(try await server.join(bob, roomId).status == 200)
            #expect(try await server.currentMembership(roomId, bob.userId) == "join")

            // An invite turned down with leave.
            #expect(try await server.invite(alice, roomId, carol.userId).status == 200)
            #expect(try await server.leave(carol, roomId).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "leave")
            let turnedDown = try await server.join(carol, roomId)
            #expect(turnedDown.status == 403)
            #expect(turnedDown.errcode == "M_FORBIDDEN")

            // Already in the room.
            let already = try await server.invite(alice, roomId, bob.userId)
            #expect(already.status == 403)
            #expect(already.errcode == "M_FORBIDDEN")
            // The inviter must be in the room.
            let outsider = try await server.invite(carol, roomId, carol.userId)
            #expect(outsider.status == 403)
            #expect(outsider.errcode == "M_FORBIDDEN")
            // A remote user's server must countersign the invite: when it cannot be reached, the invite is
            // refused with 502 and nothing is stored.
            let unreachable = try await server.invite(alice, roomId, "@dave:elsewhere.example")
            #expect(unreachable.status == 502)
            #expect(unreachable.errcode == "M_UNKNOWN")
            #expect(try await server.currentMembership(roomId, "@dave:elsewhere.example") == nil)
        }
    }

    @Test(arguments: ["1", "12"])
    func invitePowerAndBadInput(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, [
                "preset": "public_chat", "room_version": .string(version),
                "power_level_content_override": ["invite": 50],
            ])
            #expect(try await server.join(bob, roomId).status == 200)
            let powerless = try await server.invite(bob, roomId, carol.userId)
            #expect(powerless.status == 403)
            #expect(powerless.errcode == "M_FORBIDDEN")
            #expect(try await server.currentMembership(roomId, carol.userId) == nil)

            for bad in ["carol", "@carol", "@:\(server.serverName)", "@carol:bad server", ""] {
                let response = try await server.invite(alice, roomId, bad)
                #expect(response.status == 400, "\(bad)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(bad)")
            }
            let missing = try await server.membership(alice, roomId, "invite", ["reason": "x"])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let wrongType = try await server.membership(alice, roomId, "invite", ["user_id": 5])
            #expect(wrongType.status == 400)
            #expect(wrongType.errcode == "M_BAD_JSON")
            let thirdParty = try await server.membership(
                alice, roomId, "invite", ["medium": "email", "address": "c@example.org", "id_server": "x"])
            #expect(thirdParty.status == 403)
        }
    }

    @Test func unknownRoomsAndIdentifiers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let nowhere = "!nowhere:\(server.serverName)"
            for response in [
                try await server.join(alice, nowhere),
                try await server.membership(alice, nowhere, "join"),
                try await server.leave(alice, nowhere),
                try await server.invite(alice, nowhere, "@bob:\(server.serverName)"),
                try await server.kick(alice, nowhere, "@bob:\(server.serverName)"),
                try await server.ban(alice, nowhere, "@bob:\(server.serverName)"),
                try await server.knock(alice, nowhere),
                try await server.join(alice, "#nowhere:\(server.serverName)"),
                try await server.join(alice, "#nowhere:elsewhere.example"),
            ] {
                #expect(response.status == 404)
                #expect(response.errcode == "M_NOT_FOUND")
            }
            for bad in ["nowhere", "#nowhere", "#:\(server.serverName)"] {
                let response = try await server.join(alice, bad)
                #expect(response.status == 400, "\(bad)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(bad)")
            }
            let reason = try await server.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(nowhere))", ["reason": 1], token: alice.accessToken)
            #expect(reason.status == 400)
            #expect(reason.errcode == "M_BAD_JSON")
            let anonymous = try await server.client.post("/_matrix/client/v3/join/\(TestServer.segment(nowhere))", [:])
            #expect(anonymous.status == 401)
        }
    }

    @Test func joinByAlias() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            let alias = "#lounge:\(server.serverName)"
            try await server.insertAlias(alias, roomId: roomId, creator: alice.userId)
            let joined = try await server.join(bob, alias)
            #expect(joined.status == 200)
            #expect(joined.json["room_id"]?.stringValue == roomId)
            #expect(try await server.currentMembership(roomId, bob.userId) == "join")
        }
    }

    @Test func forget() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            let other = try await server.createRoom(bob)
            #expect(try await server.join(bob, roomId).status == 200)
            #expect(Set(try await server.joinedRooms(bob)) == [roomId, other])

            let inRoom = try await server.membership(bob, roomId, "forget")
            #expect(inRoom.status == 400)
            #expect(inRoom.errcode == "M_UNKNOWN")
            // Invited counts as in the room too.
            let carol = try await server.register("carol")
            #expect(try await server.invite(alice, roomId, carol.userId).status == 200)
            #expect(try await server.membership(carol, roomId, "forget").status == 400)

            #expect(try await server.leave(bob, roomId).status == 200)
            let forgotten = try await server.membership(bob, roomId, "forget")
            #expect(forgotten.status == 200)
            #expect(forgotten.json == [:])
            #expect(try await server.joinedRooms(bob) == [other])
            // A room the server does not know has nothing to forget (as Synapse).
            #expect(try await server.membership(bob, "!nowhere:\(server.serverName)", "forget").status == 200)
            // Joining again shows the room again.
            #expect(try await server.join(bob, roomId).status == 200)
            #expect(Set(try await server.joinedRooms(bob)) == [roomId, other])
        }
    }

    @Test(arguments: ["1", "12"])
    func membershipThroughTheStateAPI(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": .string(version)])

            // Invite through the state API, with the client's content kept.
            let invite = try await server.putState(alice, roomId, type: "m.room.member", stateKey: bob.userId,
                                                   ["membership": "invite", "is_direct": true])
            #expect(invite.status == 200)
            let inviteEvent = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(inviteEvent["event_id"] == invite.json["event_id"])
            #expect(inviteEvent["content"]?.objectValue?["is_direct"] == true)

            // Joining someone else is refused; joining oneself works.
            let forOther = try await server.putState(alice, roomId, type: "m.room.member", stateKey: bob.userId,
                                                     ["membership": "join"])
            #expect(forOther.status == 403)
            #expect(forOther.errcode == "M_FORBIDDEN")
            let own = try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId,
                                                ["membership": "join"])
            #expect(own.status == 200)

            // A joined user changes their displayname; the same content again is the same event.
            let renamed = try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId,
                                                    ["membership": "join", "displayname": "Bobby"])
            #expect(renamed.status == 200)
            #expect(renamed.json["event_id"] != own.json["event_id"])
            let renamedEvent = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(renamedEvent["content"]?.objectValue?["displayname"] == "Bobby")
            let same = try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId,
                                                 ["membership": "join", "displayname": "Bobby"])
            #expect(same.json["event_id"] == renamed.json["event_id"])
            // The server alone picks the authorising user of a restricted join.
            let smuggled = try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId, [
                "membership": "join", "displayname": "Bob", "join_authorised_via_users_server": .string(alice.userId),
            ])
            #expect(smuggled.status == 200)
            #expect(try await server.memberEvent(roomId, bob.userId)?["content"]?.objectValue?[
                "join_authorised_via_users_server"] == nil)

            // Leave for someone else is a kick; for a banned user an unban.
            #expect(try await server.putState(alice, roomId, type: "m.room.member", stateKey: bob.userId,
                                              ["membership": "leave"]).status == 200)
            #expect(try await server.currentMembership(roomId, bob.userId) == "leave")
            #expect(try await server.putState(alice, roomId, type: "m.room.member", stateKey: carol.userId,
                                              ["membership": "ban"]).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "ban")
            #expect(try await server.putState(alice, roomId, type: "m.room.member", stateKey: carol.userId,
                                              ["membership": "leave"]).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "leave")
            // Bob, no longer in the room, cannot set anyone's membership but his own.
            let notIn = try await server.putState(bob, roomId, type: "m.room.member", stateKey: carol.userId,
                                                  ["membership": "invite"])
            #expect(notIn.status == 403)
            #expect(notIn.errcode == "M_FORBIDDEN")

            // Bad input.
            for content: JSONObject in [[:], ["membership": "dance"], ["membership": 1],
                                        ["membership": "join", "displayname": .string(String(repeating: "x", count: 300))],
                                        ["membership": "join", "avatar_url": 5]] {
                let response = try await server.putState(alice, roomId, type: "m.room.member", stateKey: alice.userId,
                                                         content)
                #expect(response.status == 400, "\(content)")
                #expect(response.errcode == "M_BAD_JSON", "\(content)")
            }
            let badKey = try await server.putState(alice, roomId, type: "m.room.member", stateKey: "carol",
                                                   ["membership": "invite"])
            #expect(badKey.status == 400)
            #expect(badKey.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func guestsJoinOnlyWhereGuestAccessAllows() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let registered = try await server.client.post("/_matrix/client/v3/register?kind=guest", [:])
            let guest = TestServer.User(
                userId: try #require(registered.json["user_id"]?.stringValue), localpart: "",
                accessToken: try #require(registered.json["access_token"]?.stringValue),
                deviceId: try #require(registered.json["device_id"]?.stringValue))
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])

            let refused = try await server.join(guest, roomId)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_GUEST_ACCESS_FORBIDDEN")
            #expect(try await server.putState(alice, roomId, type: "m.room.guest_access",
                                              ["guest_access": "can_join"]).status == 200)
            #expect(try await server.join(guest, roomId).status == 200)
            #expect(try await server.currentMembership(roomId, guest.userId) == "join")

            for response in [
                try await server.invite(guest, roomId, alice.userId),
                try await server.kick(guest, roomId, alice.userId),
                try await server.ban(guest, roomId, alice.userId),
                try await server.knock(guest, roomId),
            ] {
                #expect(response.status == 403)
                #expect(response.errcode == "M_GUEST_ACCESS_FORBIDDEN")
            }
            #expect(try await server.leave(guest, roomId).status == 200)
            let forget = try await server.membership(guest, roomId, "forget")
            #expect(forget.status == 403)
            #expect(forget.errcode == "M_GUEST_ACCESS_FORBIDDEN")

            // Turning guest access off makes joined guests leave.
            #expect(try await server.join(guest, roomId).status == 200)
            #expect(try await server.putState(alice, roomId, type: "m.room.guest_access",
                                              ["guest_access": "forbidden"]).status == 200)
            #expect(try await server.currentMembership(roomId, guest.userId) == "leave")
            #expect(try await server.currentMembership(roomId, alice.userId) == "join")
        }
    }
}
