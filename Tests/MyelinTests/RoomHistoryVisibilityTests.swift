import Foundation
import MatrixCore
import Testing

/// History visibility on every read path, for each setting, with a user who left, one who was invited
/// and never joined, one who joined late and one who was never a member.
@Suite struct RoomHistoryVisibilityTests {
    /// The people of one scenario and what happened in which order:
    /// Bob joins, "early", Carol is invited, "after-invite", Bob leaves, "after-leave", Dave joins,
    /// "after-dave". Erin never has anything to do with the room.
    private struct Scenario {
        let roomId: String
        let alice, bob, carol, dave, erin: TestServer.User
        let ids: [String: String]
    }

    private func scenario(_ server: TestServer, visibility: String) async throws -> Scenario {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let dave = try await server.register("dave")
        let erin = try await server.register("erin")
        let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
        try await server.setHistoryVisibility(alice, roomId, visibility)
        var ids: [String: String] = [:]
        try await server.joinOK(bob, roomId)
        ids["early"] = try await server.sendOK(alice, roomId, "early")
        try await server.inviteOK(alice, roomId, carol)
        ids["after-invite"] = try await server.sendOK(alice, roomId, "after-invite")
        try await server.leaveOK(bob, roomId)
        ids["after-leave"] = try await server.sendOK(alice, roomId, "after-leave")
        try await server.joinOK(dave, roomId)
        ids["after-dave"] = try await server.sendOK(alice, roomId, "after-dave")
        return Scenario(roomId: roomId, alice: alice, bob: bob, carol: carol, dave: dave, erin: erin, ids: ids)
    }

    /// The messages `user` may fetch one by one with `GET /event`.
    private func fetchable(_ server: TestServer, _ scenario: Scenario, _ user: TestServer.User) async throws
        -> [String]
    {
        var result: [String] = []
        for body in ["early", "after-invite", "after-leave", "after-dave"] {
            let id = try #require(scenario.ids[body])
            let response = try await server.client.get(
                server.roomPath(scenario.roomId, "event/\(TestServer.segment(id))"), token: user.accessToken)
            if response.status == 200 {
                result.append(body)
            } else {
                #expect(response.status == 404)
                #expect(response.errcode == "M_NOT_FOUND")
            }
        }
        return result
    }

    private func expectRefused(_ server: TestServer, _ scenario: Scenario, _ user: TestServer.User) async throws {
        let response = try await server.messages(user, scenario.roomId, "dir=b")
        #expect(response.status == 403)
        #expect(response.errcode == "M_FORBIDDEN")
    }

    @Test func worldReadable() async throws {
        try await withServer { server in
            let s = try await scenario(server, visibility: "world_readable")
            let everything = ["early", "after-invite", "after-leave", "after-dave"]
            for user in [s.alice, s.carol, s.dave, s.erin] {
                #expect(try await server.visibleBodies(user, s.roomId) == everything, "\(user.userId)")
                #expect(try await fetchable(server, s, user) == everything, "\(user.userId)")
            }
            // Bob left: /messages stops at his leave, as in Synapse, though each event stays readable.
            #expect(try await server.visibleBodies(s.bob, s.roomId) == ["early", "after-invite"])
            #expect(try await fetchable(server, s, s.bob) == everything)
        }
    }

    @Test func shared() async throws {
        try await withServer { server in
            let s = try await scenario(server, visibility: "shared")
            let everything = ["early", "after-invite", "after-leave", "after-dave"]
            #expect(try await server.visibleBodies(s.alice, s.roomId) == everything)
            // Dave joined late but is in the room now: shared history is his.
            #expect(try await server.visibleBodies(s.dave, s.roomId) == everything)
            #expect(try await fetchable(server, s, s.dave) == everything)
            // Bob sees what happened while he was there, not after.
            #expect(try await server.visibleBodies(s.bob, s.roomId) == ["early", "after-invite"])
            #expect(try await fetchable(server, s, s.bob) == ["early", "after-invite"])
            // An invitation is not membership.
            try await expectRefused(server, s, s.carol)
            #expect(try await fetchable(server, s, s.carol) == [])
            try await expectRefused(server, s, s.erin)
            #expect(try await fetchable(server, s, s.erin) == [])
        }
    }

    @Test func invited() async throws {
        try await withServer { server in
            let s = try await scenario(server, visibility: "invited")
            #expect(try await server.visibleBodies(s.dave, s.roomId) == ["after-dave"])
            #expect(try await fetchable(server, s, s.dave) == ["after-dave"])
            #expect(try await server.visibleBodies(s.bob, s.roomId) == ["early", "after-invite"])
            // Carol sees from her invitation on, one event at a time (she cannot paginate before joining).
            #expect(try await fetchable(server, s, s.carol) == ["after-invite", "after-leave", "after-dave"])
            try await expectRefused(server, s, s.carol)
            #expect(try await fetchable(server, s, s.erin) == [])
            // Once she joins, what she was invited to see is hers to paginate too.
            try await server.joinOK(s.carol, s.roomId)
            #expect(try await server.visibleBodies(s.carol, s.roomId) == ["after-invite", "after-leave", "after-dave"])
        }
    }

    @Test func joined() async throws {
        try await withServer { server in
            let s = try await scenario(server, visibility: "joined")
            #expect(try await server.visibleBodies(s.alice, s.roomId)
                    == ["early", "after-invite", "after-leave", "after-dave"])
            #expect(try await server.visibleBodies(s.dave, s.roomId) == ["after-dave"])
            #expect(try await server.visibleBodies(s.bob, s.roomId) == ["early", "after-invite"])
            #expect(try await fetchable(server, s, s.carol) == [])
            try await expectRefused(server, s, s.carol)
            try await expectRefused(server, s, s.erin)
            // Dave sees his own join, and no message from before it; the room's first events were sent
            // while it was still `shared` (the preset's setting), so those he may see.
            let page = try await server.messages(s.dave, s.roomId, "dir=b&limit=50")
            let events = page.json.events()
            #expect(events.contains { $0["type"]?.stringValue == "m.room.member" && $0["state_key"]?.stringValue == s.dave.userId })
            #expect(page.json.bodies == ["after-dave"])
            #expect(events.last?["type"]?.stringValue == "m.room.create")
            #expect(page.json["end"] == nil)
        }
    }

    @Test func theVisibilityInForceAtEachEventCounts() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let dave = try await server.register("dave")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.setHistoryVisibility(alice, roomId, "joined")
            _ = try await server.sendOK(alice, roomId, "secret")
            try await server.setHistoryVisibility(alice, roomId, "shared")
            _ = try await server.sendOK(alice, roomId, "open")
            try await server.setHistoryVisibility(alice, roomId, "joined")
            _ = try await server.sendOK(alice, roomId, "secret again")
            try await server.joinOK(dave, roomId)
            _ = try await server.sendOK(alice, roomId, "welcome")
            #expect(try await server.visibleBodies(dave, roomId) == ["open", "welcome"])
        }
    }

    /// Context, relations, threads, timestamps and members at a token all hide the same events.
    @Test func everyReadPathHidesWhatTheUserMayNotSee() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let dave = try await server.register("dave")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.setHistoryVisibility(alice, roomId, "joined")
            server.clock.advance(ms: 1000)
            let hiddenRoot = try await server.sendOK(alice, roomId, "hidden root")
            let thread: JSONObject = ["msgtype": "m.text", "body": "reply",
                                      "m.relates_to": ["rel_type": "m.thread", "event_id": .string(hiddenRoot)]]
            let hiddenReply = try await server.sendEventOK(alice, roomId, thread)
            let beforeDave = try await server.messages(alice, roomId, "dir=b&limit=1")
            let tokenBeforeDave = try #require(beforeDave.json["start"]?.stringValue)
            let hiddenEvent = try await server.client.get(
                server.roomPath(roomId, "event/\(TestServer.segment(hiddenRoot))"), token: alice.accessToken)
            let hiddenTs = try #require(hiddenEvent.json["origin_server_ts"]?.intValue)
            server.clock.advance(ms: 1000)
            try await server.joinOK(dave, roomId)
            let visibleRoot = try await server.sendOK(alice, roomId, "visible root")
            let visibleReply: JSONObject = ["msgtype": "m.text", "body": "visible reply",
                                            "m.relates_to": ["rel_type": "m.thread", "event_id": .string(visibleRoot)]]
            _ = try await server.sendEventOK(alice, roomId, visibleReply)

            // Context: the hidden event is unknown; around a visible one, nothing from before the join.
            let hiddenContext = try await server.client.get(
                server.roomPath(roomId, "context/\(TestServer.segment(hiddenRoot))"), token: dave.accessToken)
            #expect(hiddenContext.status == 404)
            let context = try await server.client.get(
                server.roomPath(roomId, "context/\(TestServer.segment(visibleRoot))?limit=20"), token: dave.accessToken)
            #expect(context.status == 200)
            let before = context.json.events("events_before")
            #expect(before.first?["state_key"]?.stringValue == dave.userId)
            #expect(!before.contains { $0["type"]?.stringValue == "m.room.message" })
            // Relations of a hidden parent are not found; of a visible one, listed.
            let hiddenRelations = try await server.client.get(
                server.roomPathV1(roomId, "relations/\(TestServer.segment(hiddenRoot))"), token: dave.accessToken)
            #expect(hiddenRelations.status == 404)
            #expect(hiddenRelations.errcode == "M_NOT_FOUND")
            let relations = try await server.client.get(
                server.roomPathV1(roomId, "relations/\(TestServer.segment(visibleRoot))"), token: dave.accessToken)
            #expect(relations.json.events().count == 1)
            // Threads: only the root Dave may see.
            let threads = try await server.client.get(server.roomPathV1(roomId, "threads"), token: dave.accessToken)
            #expect(threads.json.eventIds() == [visibleRoot])
            let alicesThreads = try await server.client.get(server.roomPathV1(roomId, "threads"), token: alice.accessToken)
            #expect(alicesThreads.json.eventIds() == [visibleRoot, hiddenRoot])
            // Timestamps: the closest event Dave may see, skipping the hidden ones.
            let lookup = try await server.client.get(
                server.roomPathV1(roomId, "timestamp_to_event?ts=\(hiddenTs)&dir=b"), token: dave.accessToken)
            #expect(lookup.status == 200)
            let found = try #require(lookup.json["event_id"]?.stringValue)
            #expect(found != hiddenRoot && found != hiddenReply)
            #expect(try #require(lookup.json["origin_server_ts"]?.intValue) < hiddenTs)
            let alicesLookup = try await server.client.get(
                server.roomPathV1(roomId, "timestamp_to_event?ts=\(hiddenTs)&dir=b"), token: alice.accessToken)
            #expect(alicesLookup.json["event_id"]?.stringValue == hiddenReply)
            // Members at a point Dave may not see.
            let members = try await server.client.get(
                server.roomPath(roomId, "members?at=\(TestServer.queryValue(tokenBeforeDave))"), token: dave.accessToken)
            #expect(members.status == 403)
            #expect(members.errcode == "M_FORBIDDEN")
            let alicesMembers = try await server.client.get(
                server.roomPath(roomId, "members?at=\(TestServer.queryValue(tokenBeforeDave))"), token: alice.accessToken)
            #expect(alicesMembers.status == 200)
        }
    }
}
