import Foundation
import MatrixCore
import Testing

/// `m.ignored_user_list`: what may be stored, and the read paths leaving out ignored users' events.
@Suite struct IgnoredUserTests {
    private func ignorePath(_ user: TestServer.User) -> String {
        "/_matrix/client/v3/user/\(TestServer.segment(user.userId))/account_data/m.ignored_user_list"
    }

    private func ignore(_ user: TestServer.User, _ ignored: [String], _ server: TestServer) async throws {
        let users = JSONObject(uniqueKeysWithValues: ignored.map { ($0, JSONValue.object([:])) })
        let response = try await server.client.put(ignorePath(user), ["ignored_users": .object(users)],
                                                   token: user.accessToken)
        guard response.status == 200 else { throw TestFailure("ignore: \(response.status) \(response.json)") }
    }

    private static func thread(_ root: String, _ body: String) -> JSONObject {
        ["msgtype": "m.text", "body": .string(body), "m.relates_to": ["rel_type": "m.thread", "event_id": .string(root)]]
    }

    @Test func ignoredSendersLeaveTheReadPaths() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            // Anyone may set state, so Bob can send a state event Alice must still see.
            let roomId = try await server.createRoom(alice, ["preset": "public_chat",
                                                             "power_level_content_override": ["state_default": 0]])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)
            let b1 = try await server.sendOK(bob, roomId, "b1")
            let c1 = try await server.sendOK(carol, roomId, "c1")
            let topicId = try #require(try await server.putState(bob, roomId, type: "m.room.topic",
                                                                 ["topic": "bob's topic"]).json["event_id"]?.stringValue)
            let b2 = try await server.sendOK(bob, roomId, "b2")
            let bobRoot = try await server.sendOK(bob, roomId, "bob's thread")
            let carolRoot = try await server.sendOK(carol, roomId, "carol's thread")
            let bobReply = try await server.sendEventOK(bob, roomId, Self.thread(carolRoot, "bob replies"))
            let carolReply = try await server.sendEventOK(carol, roomId, Self.thread(bobRoot, "carol replies"))
            let carolReply2 = try await server.sendEventOK(carol, roomId, Self.thread(carolRoot, "carol again"))
            let a1 = try await server.sendOK(alice, roomId, "a1")

            try await ignore(alice, [bob.userId, "@someone:elsewhere.example"], server)

            // /messages: Bob's messages are gone for Alice; his state events (join, topic) stay.
            let alicePage = try await server.messages(alice, roomId, "dir=b&limit=50")
            #expect(alicePage.json.bodies == ["a1", "carol again", "carol replies", "carol's thread", "c1"])
            let aliceIds = alicePage.json.eventIds()
            #expect(aliceIds.contains(topicId))
            #expect(alicePage.json.events().contains {
                $0["type"]?.stringValue == "m.room.member" && $0["state_key"]?.stringValue == bob.userId
            })
            for id in [b1, b2, bobRoot, bobReply] { #expect(!aliceIds.contains(id)) }
            // Carol, who ignores no one, sees everything.
            let carolPage = try await server.messages(carol, roomId, "dir=b&limit=50")
            #expect(carolPage.json.bodies == ["a1", "carol again", "carol replies", "bob replies", "carol's thread",
                                              "bob's thread", "b2", "c1", "b1"])

            // /context: around Carol's message, without Bob's; Bob's own message is not found for Alice.
            let context = try await server.client.get(server.roomPath(roomId, "context/\(TestServer.segment(c1))?limit=20"),
                                                      token: alice.accessToken)
            #expect(context.status == 200)
            let around = context.json.eventIds("events_before") + context.json.eventIds("events_after")
            #expect(around.contains(topicId))
            #expect(around.contains(a1))
            for id in [b1, b2, bobRoot, bobReply] { #expect(!around.contains(id)) }
            let carolContext = try await server.client.get(
                server.roomPath(roomId, "context/\(TestServer.segment(c1))?limit=20"), token: carol.accessToken)
            let carolAround = carolContext.json.eventIds("events_before") + carolContext.json.eventIds("events_after")
            #expect(carolAround.contains(b1) && carolAround.contains(b2))
            let bobsContext = try await server.client.get(
                server.roomPath(roomId, "context/\(TestServer.segment(b1))"), token: alice.accessToken)
            #expect(bobsContext.status == 404)
            #expect(try await server.client.get(server.roomPath(roomId, "context/\(TestServer.segment(b1))"),
                                                token: carol.accessToken).status == 200)
            let single = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(b2))"),
                                                     token: alice.accessToken)
            #expect(single.status == 404)
            #expect(single.errcode == "M_NOT_FOUND")

            // /relations: Bob's reply to Carol's thread is left out for Alice.
            let relations = server.roomPathV1(roomId, "relations/\(TestServer.segment(carolRoot))")
            #expect(try await server.client.get(relations, token: alice.accessToken).json.eventIds() == [carolReply2])
            #expect(try await server.client.get(relations, token: carol.accessToken).json.eventIds()
                    == [carolReply2, bobReply])
            // Bob's thread root is not found for Alice, so neither are its relations.
            let bobsRelations = try await server.client.get(
                server.roomPathV1(roomId, "relations/\(TestServer.segment(bobRoot))"), token: alice.accessToken)
            #expect(bobsRelations.status == 404)

            // /threads: Bob's thread is not listed for Alice; Carol's is, with Carol's latest reply.
            let threads = try await server.client.get(server.roomPathV1(roomId, "threads"), token: alice.accessToken)
            #expect(threads.json.eventIds() == [carolRoot])
            let summary = threads.json.events().first?["unsigned"]?["m.relations"]?["m.thread"]
            #expect(summary?["latest_event"]?["event_id"]?.stringValue == carolReply2)
            let carolThreads = try await server.client.get(server.roomPathV1(roomId, "threads"), token: carol.accessToken)
            #expect(carolThreads.json.eventIds() == [carolRoot, bobRoot])
            _ = carolReply

            // The list read back as sync will use it.
            let services = server.running.homeserver.services
            let aliceNid = try #require(try await services.accounts.users.user(localpart: "alice")?.nid)
            #expect(try await services.rooms.ignoredUsers(userNid: aliceNid)
                    == [bob.userId, "@someone:elsewhere.example"])
            #expect(try await services.accountData.ignoredUsers(userNid: aliceNid).count == 2)
            let room = try await services.rooms.room(roomId)
            let stored = try await services.rooms.store.events(ids: [b1, c1, topicId])
            let events = [b1, c1, topicId].compactMap { stored[$0] }
            let visible = try await services.rooms.visibleEvents(events, room: room, userId: alice.userId,
                                                                 ignoring: [bob.userId])
            #expect(visible.map(\.eventId) == [c1, topicId])

            // No longer ignored: Bob's messages come back.
            try await ignore(alice, [], server)
            let again = try await server.messages(alice, roomId, "dir=b&limit=50")
            #expect(again.json.bodies == carolPage.json.bodies)
            #expect(try await services.rooms.ignoredUsers(userNid: aliceNid).isEmpty)
        }
    }

    @Test func badListsAreRefused() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let cases: [(JSONValue, String)] = [
                ([:], "M_BAD_JSON"),
                (["ignored_users": []], "M_BAD_JSON"),
                (["ignored_users": [.string(bob.userId)]], "M_BAD_JSON"),
                (["ignored_users": ["bob": [:]]], "M_BAD_JSON"),
                (["ignored_users": ["@:example.com": [:]]], "M_BAD_JSON"),
                (["ignored_users": [bob.userId: true]], "M_BAD_JSON"),
                (["ignored_users": [bob.userId: [:], alice.userId: [:]]],
                 "M_INVALID_PARAM"),
                (["ignored_users": [alice.userId: [:]]], "M_INVALID_PARAM"),
            ]
            for (body, errcode) in cases {
                let response = try await server.client.put(ignorePath(alice), body, token: alice.accessToken)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            #expect(try await server.client.get(ignorePath(alice), token: alice.accessToken).status == 404)

            // A valid list (with extra members, kept) is stored as sent; later refusals leave it.
            let valid: JSONValue = ["ignored_users": [bob.userId: ["org.example.reason": "spam"]],
                                    "org.example": true]
            #expect(try await server.client.put(ignorePath(alice), valid, token: alice.accessToken).status == 200)
            let refused = try await server.client.put(ignorePath(alice), ["ignored_users": "everyone"],
                                                      token: alice.accessToken)
            #expect(refused.status == 400)
            #expect(try await server.client.get(ignorePath(alice), token: alice.accessToken).json == valid)

            // Per-room account data of that type is not the ignore list and is not checked.
            let roomPath = "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/"
                + "\(TestServer.segment("!r:\(server.serverName)"))/account_data/m.ignored_user_list"
            #expect(try await server.client.put(roomPath, ["anything": 1], token: alice.accessToken).status == 200)
        }
    }
}
