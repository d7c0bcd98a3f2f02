import Foundation
import MatrixCore
import Testing

/// Two Myelin servers federating over TLS on loopback: joins both ways, messages and state both ways,
/// leaves, and a destination that was down catching up.
@Suite(.serialized) struct FederationTests {
    @Test func remoteUserJoinsAndMessagesFlowBothWays() async throws {
        try await FederationTestSupport.withTwoServers { a, b in
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let roomId = try await a.createRoom(alice, ["preset": "public_chat", "name": "across"])

            // Bob joins through Alice's server.
            let joined = try await b.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(a.serverName))",
                [:], token: bob.accessToken)
            #expect(joined.status == 200, "\(joined.json)")
            #expect(try await b.membership(bob, roomId, of: bob.userId) == "join")
            try await FederationTestSupport.eventually("bob's join at a") {
                try await a.membership(alice, roomId, of: bob.userId) == "join"
            }
            // B holds the room's state: the name Alice set.
            let name = try await b.client.get(b.roomPath(roomId, "state/m.room.name/"), token: bob.accessToken)
            #expect(name.json["name"]?.stringValue == "across")

            _ = try await b.sendOK(bob, roomId, "hello from b")
            try await FederationTestSupport.eventually("bob's message at a") {
                try await a.messageBodies(alice, roomId).contains("hello from b")
            }
            _ = try await a.sendOK(alice, roomId, "hello from a")
            try await FederationTestSupport.eventually("alice's message at b") {
                try await b.messageBodies(bob, roomId).contains("hello from a")
            }
            // State both ways.
            let topic = try await a.putState(alice, roomId, type: "m.room.topic", ["topic": "federated"])
            #expect(topic.status == 200)
            try await FederationTestSupport.eventually("the topic at b") {
                try await b.client.get(b.roomPath(roomId, "state/m.room.topic/"), token: bob.accessToken)
                    .json["topic"]?.stringValue == "federated"
            }
            // Bob leaves; Alice sees it.
            let left = try await b.client.post(b.roomPath(roomId, "leave"), [:], token: bob.accessToken)
            #expect(left.status == 200)
            try await FederationTestSupport.eventually("bob's leave at a") {
                try await a.membership(alice, roomId, of: bob.userId) == "leave"
            }
        }
    }

    @Test func unsignedAndWronglySignedRequestsAreRefused() async throws {
        let a = try await FederationTestSupport.startServer()
        do {
            let unsigned = try await a.client.put("/_matrix/federation/v1/send/1", ["pdus": []])
            #expect(unsigned.status == 401)
            #expect(unsigned.errcode == "M_UNAUTHORIZED")
            let forged = try await a.client.request(
                "PUT", "/_matrix/federation/v1/send/1", json: ["pdus": []],
                headers: ["Authorization": "X-Matrix origin=\"127.0.0.1:1\",key=\"ed25519:x\",sig=\"AAAA\""])
            #expect(forged.status == 401)
            #expect(forged.errcode == "M_UNAUTHORIZED")
        } catch {
            try? await a.stop()
            throw error
        }
        try await a.stop()
    }

    /// A restricted room on A that lets in members of another room on A: B's user, once in that room, joins
    /// through A, which picks a local member to authorise the join and countersigns it.
    @Test func aRestrictedJoinIsAuthorisedByTheResidentServer() async throws {
        try await FederationTestSupport.withTwoServers { a, b in
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let lobby = try await a.createRoom(alice, ["preset": "public_chat"])
            let inner = try await a.createRoom(alice, [
                "preset": "private_chat", "room_version": "10",
                "initial_state": [[
                    "type": "m.room.join_rules", "state_key": "",
                    "content": ["join_rule": "restricted",
                                "allow": [["type": "m.room_membership", "room_id": .string(lobby)]]],
                ]],
            ])
            let via = "?server_name=\(TestServer.segment(a.serverName))"
            // Not yet in the lobby: refused by A with the reason.
            let early = try await b.client.post("/_matrix/client/v3/join/\(TestServer.segment(inner))" + via, [:],
                                                token: bob.accessToken)
            #expect(early.status == 403, "\(early.json)")
            let joinedLobby = try await b.client.post("/_matrix/client/v3/join/\(TestServer.segment(lobby))" + via, [:],
                                                      token: bob.accessToken)
            try #require(joinedLobby.status == 200, "\(joinedLobby.json)")
            let joined = try await b.client.post("/_matrix/client/v3/join/\(TestServer.segment(inner))" + via, [:],
                                                 token: bob.accessToken)
            try #require(joined.status == 200, "\(joined.json)")
            try await FederationTestSupport.eventually("bob's restricted join at a") {
                try await a.membership(alice, inner, of: bob.userId) == "join"
            }
            let member = try await a.client.get(
                a.roomPath(inner, "state/m.room.member/\(TestServer.segment(bob.userId))"), token: alice.accessToken)
            #expect(member.json["join_authorised_via_users_server"]?.stringValue == alice.userId)
        }
    }

    /// History from before B joined: B's /messages reaches the start of what it holds and backfills from A.
    @Test func historyFromBeforeTheJoinIsBackfilled() async throws {
        try await FederationTestSupport.withTwoServers { a, b in
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let roomId = try await a.createRoom(alice, ["preset": "public_chat"])
            let earlier = (1...15).map { "before bob \($0)" }
            for body in earlier { _ = try await a.sendOK(alice, roomId, body) }
            let joined = try await b.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(a.serverName))",
                [:], token: bob.accessToken)
            try #require(joined.status == 200, "\(joined.json)")
            let seen = try await b.messageBodies(bob, roomId)
            #expect(seen == earlier, "\(seen)")
            // The history is older than everything B saw live: an incremental sync does not bring it as new.
            let sync = try await b.client.get("/_matrix/client/v3/sync", token: bob.accessToken)
            let since = try #require(sync.json["next_batch"]?.stringValue)
            _ = try await b.messageBodies(bob, roomId)
            let next = try await b.client.get("/_matrix/client/v3/sync?timeout=0&since=\(since)", token: bob.accessToken)
            #expect(next.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue?.isEmpty ?? true)
        }
    }

    /// Invites across servers, turned down: through the inviting server while it is up, and locally (a
    /// leave of ours that cites the invite) when it cannot be reached.
    @Test func remoteInvitesAreTurnedDownEvenWhenTheirServerIsGone() async throws {
        let a = try await FederationTestSupport.startServer()
        let b = try await FederationTestSupport.startServer()
        do {
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let first = try await b.createRoom(bob, ["preset": "private_chat"])
            let second = try await b.createRoom(bob, ["preset": "private_chat"])
            for roomId in [first, second] {
                let invited = try await b.invite(bob, roomId, alice.userId)
                try #require(invited.status == 200, "\(invited.json)")
            }
            try await FederationTestSupport.eventually("both invites at a") {
                let sync = try await a.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
                let invites = sync.json["rooms"]?["invite"]?.objectValue.map { $0.map(\.key) } ?? []
                return invites.contains(first) && invites.contains(second)
            }
            // Turned down through B: B sees the leave.
            let declined = try await a.client.post(a.roomPath(first, "leave"), [:], token: alice.accessToken)
            #expect(declined.status == 200, "\(declined.json)")
            try await FederationTestSupport.eventually("the declined invite at b") {
                try await b.membership(bob, first, of: alice.userId) == "leave"
            }
            // B goes away: the second invite is turned down here alone.
            try await b.stop()
            let alone = try await a.client.post(a.roomPath(second, "leave"), [:], token: alice.accessToken)
            #expect(alone.status == 200, "\(alone.json)")
            let sync = try await a.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            #expect(sync.json["rooms"]?["invite"]?[second] == nil)
        } catch {
            try? await a.stop()
            try? await b.stop()
            throw error
        }
        try await a.stop()
    }

    /// Knocking on a room of another server, and being let in: the knock travels through make_knock and
    /// send_knock, the knocker's sync shows it, and an invite then a join follow.
    @Test func aKnockOnAnotherServersRoom() async throws {
        try await FederationTestSupport.withTwoServers { a, b in
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let roomId = try await a.createRoom(alice, ["preset": "private_chat", "name": "knock here"])
            #expect(try await a.putState(alice, roomId, type: "m.room.join_rules", ["join_rule": "knock"]).status == 200)
            let knocked = try await b.client.post(
                "/_matrix/client/v3/knock/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(a.serverName))",
                ["reason": "let me in"], token: bob.accessToken)
            try #require(knocked.status == 200, "\(knocked.json)")
            try await FederationTestSupport.eventually("the knock at a") {
                try await a.membership(alice, roomId, of: bob.userId) == "knock"
            }
            let sync = try await b.client.get("/_matrix/client/v3/sync", token: bob.accessToken)
            let knockState = sync.json["rooms"]?["knock"]?[roomId]?["knock_state"]?["events"]?.arrayValue ?? []
            #expect(knockState.contains { $0["type"]?.stringValue == "m.room.name" })
            #expect(try await a.invite(alice, roomId, bob.userId).status == 200)
            try await FederationTestSupport.eventually("bob can join") {
                try await b.join(bob, roomId).status == 200
            }
            try await FederationTestSupport.eventually("bob joined at a") {
                try await a.membership(alice, roomId, of: bob.userId) == "join"
            }
        }
    }
}
