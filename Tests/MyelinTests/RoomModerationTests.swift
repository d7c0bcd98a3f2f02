import Foundation
import MatrixCore
import Testing

/// Kicks, bans and unbans, knocking, and restricted joins.
@Suite struct RoomModerationTests {
    /// A public room of alice's where bob has `bobLevel` and carol is an ordinary member. v12 rooms
    /// keep their creator out of `users` (the creator's power is infinite).
    private func moderatedRoom(_ server: TestServer, version: String, bobLevel: Int64 = 0)
        async throws -> (alice: TestServer.User, bob: TestServer.User, carol: TestServer.User, roomId: String)
    {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        var users: JSONObject = [bob.userId: .int(bobLevel)]
        if version != "12" { users[alice.userId] = 100 }
        let roomId = try await server.createRoom(alice, [
            "preset": "public_chat", "room_version": .string(version),
            "power_level_content_override": ["users": .object(users)],
        ])
        #expect(try await server.join(bob, roomId).status == 200)
        #expect(try await server.join(carol, roomId).status == 200)
        return (alice, bob, carol, roomId)
    }

    @Test(arguments: ["1", "6", "10", "12"])
    func kickBanUnbanFlow(version: String) async throws {
        try await withServer { server in
            let (alice, bob, carol, roomId) = try await moderatedRoom(server, version: version)

            // Bob has no power to kick or ban.
            for response in [try await server.kick(bob, roomId, carol.userId), try await server.ban(bob, roomId, carol.userId)] {
                #expect(response.status == 403)
                #expect(response.errcode == "M_FORBIDDEN")
            }
            #expect(try await server.currentMembership(roomId, carol.userId) == "join")

            let kicked = try await server.kick(alice, roomId, carol.userId, reason: "shouting")
            #expect(kicked.status == 200)
            let kick = try #require(try await server.memberEvent(roomId, carol.userId))
            #expect(kick["sender"]?.stringValue == alice.userId)
            #expect(kick["content"]?.objectValue?["membership"] == "leave")
            #expect(kick["content"]?.objectValue?["reason"] == "shouting")
            // Nobody to kick now.
            let gone = try await server.kick(alice, roomId, carol.userId)
            #expect(gone.status == 403)
            #expect(gone.errcode == "M_FORBIDDEN")
            // A kicked user may come back to a public room.
            #expect(try await server.join(carol, roomId).status == 200)

            let banned = try await server.ban(alice, roomId, carol.userId, reason: "again")
            #expect(banned.status == 200)
            let ban = try #require(try await server.memberEvent(roomId, carol.userId))
            #expect(ban["content"]?.objectValue?["membership"] == "ban")
            #expect(ban["content"]?.objectValue?["reason"] == "again")
            for response in [try await server.join(carol, roomId), try await server.invite(alice, roomId, carol.userId),
                             try await server.kick(alice, roomId, carol.userId)] {
                #expect(response.status == 403)
                #expect(response.errcode == "M_FORBIDDEN")
            }
            let stillBanned = try await server.leave(carol, roomId)
            #expect(stillBanned.status == 403)
            // Unbanning: only the banned, only with power.
            let notBanned = try await server.unban(alice, roomId, bob.userId)
            #expect(notBanned.status == 403)
            #expect(notBanned.errcode == "M_BAD_STATE")
            let powerless = try await server.unban(bob, roomId, carol.userId)
            #expect(powerless.status == 403)
            #expect(powerless.errcode == "M_FORBIDDEN")
            #expect(try await server.unban(alice, roomId, carol.userId).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "leave")
            #expect(try await server.join(carol, roomId).status == 200)

            // Users who never were in the room can be banned (and cannot then join).
            let dave = try await server.register("dave")
            #expect(try await server.ban(alice, roomId, dave.userId).status == 200)
            #expect(try await server.join(dave, roomId).status == 403)
            // Kicking oneself is leaving.
            #expect(try await server.kick(bob, roomId, bob.userId).status == 200)
            #expect(try await server.currentMembership(roomId, bob.userId) == "leave")
            // Bad input.
            let badId = try await server.kick(alice, roomId, "carol")
            #expect(badId.status == 400)
            #expect(badId.errcode == "M_INVALID_PARAM")
            let missing = try await server.membership(alice, roomId, "ban", [:])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
        }
    }

    @Test(arguments: ["1", "6", "10", "12"])
    func powerMustExceedTheTarget(version: String) async throws {
        try await withServer { server in
            let (alice, bob, carol, roomId) = try await moderatedRoom(server, version: version, bobLevel: 100)
            // Bob (100) kicks carol (0), but cannot touch alice: 100 in v1-v11, a creator in v12.
            #expect(try await server.kick(bob, roomId, carol.userId).status == 200)
            for response in [try await server.kick(bob, roomId, alice.userId), try await server.ban(bob, roomId, alice.userId)] {
                #expect(response.status == 403)
                #expect(response.errcode == "M_FORBIDDEN")
            }
            #expect(try await server.currentMembership(roomId, alice.userId) == "join")
            // Alice outranks bob only where creators have infinite power.
            let aliceKicksBob = try await server.kick(alice, roomId, bob.userId)
            if version == "12" {
                #expect(aliceKicksBob.status == 200)
                #expect(try await server.currentMembership(roomId, bob.userId) == "leave")
            } else {
                #expect(aliceKicksBob.status == 403)
                #expect(aliceKicksBob.errcode == "M_FORBIDDEN")
            }
        }
    }

    @Test(arguments: ["7", "10", "12"])
    func knocking(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": .string(version)])
            // Not a knocking room yet.
            let closed = try await server.knock(bob, roomId)
            #expect(closed.status == 403)
            #expect(closed.errcode == "M_FORBIDDEN")
            #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", ["join_rule": "knock"]).status == 200)

            let knocked = try await server.knock(bob, roomId, reason: "let me in")
            #expect(knocked.status == 200)
            #expect(knocked.json["room_id"]?.stringValue == roomId)
            let knock = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(knock["content"]?.objectValue?["membership"] == "knock")
            #expect(knock["content"]?.objectValue?["reason"] == "let me in")
            // Knocking is not joining.
            let notYet = try await server.join(bob, roomId)
            #expect(notYet.status == 403)
            #expect(notYet.errcode == "M_FORBIDDEN")
            // Accepted with an invite.
            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            #expect(try await server.join(bob, roomId).status == 200)
            let joined = try await server.knock(bob, roomId)
            #expect(joined.status == 403)
            #expect(joined.errcode == "M_FORBIDDEN")

            // A knock is withdrawn with leave, or denied with a kick; by alias too.
            let alias = "#knockers:\(server.serverName)"
            try await server.insertAlias(alias, roomId: roomId, creator: alice.userId)
            let byAlias = try await server.knock(carol, alias)
            #expect(byAlias.status == 200)
            #expect(byAlias.json["room_id"]?.stringValue == roomId)
            #expect(try await server.leave(carol, roomId).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "leave")
            #expect(try await server.knock(carol, roomId).status == 200)
            #expect(try await server.kick(alice, roomId, carol.userId).status == 200)
            #expect(try await server.currentMembership(roomId, carol.userId) == "leave")
            // Banned users cannot knock.
            #expect(try await server.ban(alice, roomId, carol.userId).status == 200)
            let banned = try await server.knock(carol, roomId)
            #expect(banned.status == 403)
            #expect(banned.errcode == "M_FORBIDDEN")
        }
    }

    @Test(arguments: ["1", "6"])
    func noKnockingBeforeVersion7(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": .string(version)])
            // The join rule can be set (older versions ignore it and treat the room as invite-only) ...
            #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", ["join_rule": "knock"]).status == 200)
            // ... but nobody can knock.
            let refused = try await server.knock(bob, roomId)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
            let viaState = try await server.putState(bob, roomId, type: "m.room.member", stateKey: bob.userId,
                                                     ["membership": "knock"])
            #expect(viaState.status == 403)
            #expect(try await server.currentMembership(roomId, bob.userId) == nil)
        }
    }

    @Test(arguments: ["8", "10", "12"])
    func restrictedJoins(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let space = try await server.createRoom(alice, ["preset": "public_chat", "room_version": .string(version)])
            #expect(try await server.join(bob, space).status == 200)
            server.clock.advance(ms: 1)  // same creator, content and time would be the same v12 room ID
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": .string(version)])
            #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", [
                "join_rule": "restricted",
                "allow": [["type": "m.room_membership", "room_id": .string(space)], ["type": "m.other"], "junk"],
            ]).status == 200)

            // Bob is in the space: he may join, authorised by alice (the only local user who may invite).
            #expect(try await server.join(bob, roomId).status == 200)
            let join = try #require(try await server.memberEvent(roomId, bob.userId))
            #expect(join["content"]?.objectValue?["join_authorised_via_users_server"]?.stringValue == alice.userId)
            // Carol is not.
            let refused = try await server.join(carol, roomId)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
            // Once in the space she may.
            #expect(try await server.join(carol, space).status == 200)
            #expect(try await server.join(carol, roomId).status == 200)
            // Leaving the space does not take her out of the room, but she cannot come back after leaving it.
            #expect(try await server.leave(carol, space).status == 200)
            #expect(try await server.leave(carol, roomId).status == 200)
            #expect(try await server.join(carol, roomId).status == 403)
            // Invited users need no space.
            #expect(try await server.invite(alice, roomId, carol.userId).status == 200)
            #expect(try await server.join(carol, roomId).status == 200)
            #expect(try await server.memberEvent(roomId, carol.userId)?["content"]?.objectValue?[
                "join_authorised_via_users_server"] == nil)

            if version != "8" {
                // knock_restricted (v10+): space members join, others knock.
                let dave = try await server.register("dave")
                #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", [
                    "join_rule": "knock_restricted", "allow": [["type": "m.room_membership", "room_id": .string(space)]],
                ]).status == 200)
                #expect(try await server.join(dave, roomId).status == 403)
                #expect(try await server.knock(dave, roomId).status == 200)
                #expect(try await server.currentMembership(roomId, dave.userId) == "knock")
                #expect(try await server.join(dave, space).status == 200)
                #expect(try await server.join(dave, roomId).status == 200)
            }
        }
    }

    @Test func restrictedJoinRuleIsIgnoredBeforeVersion8() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let space = try await server.createRoom(alice, ["preset": "public_chat", "room_version": "7"])
            #expect(try await server.join(bob, space).status == 200)
            server.clock.advance(ms: 1)  // same creator, content and time would be the same v12 room ID
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "room_version": "7"])
            #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", [
                "join_rule": "restricted", "allow": [["type": "m.room_membership", "room_id": .string(space)]],
            ]).status == 200)
            let refused = try await server.join(bob, roomId)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
        }
    }

    @Test func restrictedJoinNeedsALocalUserWhoCanInvite() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let space = try await server.createRoom(alice, ["preset": "public_chat", "room_version": "10"])
            #expect(try await server.join(bob, space).status == 200)
            server.clock.advance(ms: 1)  // same creator, content and time would be the same v12 room ID
            let roomId = try await server.createRoom(alice, [
                "preset": "private_chat", "room_version": "10", "power_level_content_override": ["invite": 50],
            ])
            #expect(try await server.putState(alice, roomId, type: "m.room.join_rules", [
                "join_rule": "restricted", "allow": [["type": "m.room_membership", "room_id": .string(space)]],
            ]).status == 200)
            // Alice, the only one who may invite, leaves.
            #expect(try await server.leave(alice, roomId).status == 200)
            let refused = try await server.join(bob, roomId)
            #expect(refused.status == 400)
            #expect(refused.errcode == "M_UNABLE_TO_GRANT_JOIN")
        }
    }
}
