import Foundation
import MatrixCore
import Testing

/// The deprecated `GET /events` and `GET /initialSync`, still in the spec and used by older clients.
@Suite struct LegacyEventStreamTests {
    @Test func initialSyncListsJoinedInvitedAndArchivedRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let joined = try await server.createRoom(alice, ["name": "Joined", "preset": "public_chat"])
            for i in 1...3 { _ = try await server.sendOK(alice, joined, "m\(i)") }
            let invited = try await server.createRoom(bob, ["name": "Invite"])
            _ = try await server.invite(bob, invited, alice.userId)
            let left = try await server.createRoom(bob, ["preset": "public_chat"])
            try await server.joinOK(alice, left)
            _ = try await server.leave(alice, left)
            _ = try await server.client.put("/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/m.test",
                                            ["a": 1], token: alice.accessToken)
            let answer = try await server.client.get("/_matrix/client/v3/initialSync?limit=2", token: alice.accessToken)
            #expect(answer.status == 200)
            let rooms = answer.json["rooms"]?.arrayValue ?? []
            let byId = Dictionary(rooms.compactMap { room in room["room_id"]?.stringValue.map { ($0, room) } },
                                  uniquingKeysWith: { a, _ in a })
            #expect(Set(byId.keys) == [joined, invited])
            let room = try #require(byId[joined])
            #expect(room["membership"] == "join")
            let bodies = (room["messages"]?["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies == ["m2", "m3"])
            #expect((room["state"]?.arrayValue ?? []).contains { $0["type"] == "m.room.name" })
            #expect(byId[invited]?["membership"] == "invite")
            #expect(byId[invited]?["invite"]?["content"]?["membership"] == "invite")
            #expect((answer.json["account_data"]?.arrayValue ?? []).contains { $0["type"] == "m.test" })
            #expect(answer.json["end"]?.stringValue?.hasPrefix("s") == true)
            let archived = try await server.client.get("/_matrix/client/v3/initialSync?archived=true", token: alice.accessToken)
            let ids = (archived.json["rooms"]?.arrayValue ?? []).compactMap { $0["room_id"]?.stringValue }
            #expect(Set(ids) == [joined, invited, left])
            let bad = try await server.client.get("/_matrix/client/v3/initialSync?limit=-1", token: alice.accessToken)
            #expect(bad.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func eventsStreamsNewEventsAndLongPolls() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let other = try await server.createRoom(bob, ["preset": "private_chat"])
            let start = try #require(try await server.client.get("/_matrix/client/v3/initialSync", token: alice.accessToken)
                .json["end"]?.stringValue)
            _ = try await server.sendOK(bob, roomId, "one")
            _ = try await server.sendOK(bob, other, "not for alice")
            let first = try await server.client.get("/_matrix/client/v3/events?timeout=0&from=\(TestServer.queryValue(start))",
                                                    token: alice.accessToken)
            #expect(first.status == 200)
            let bodies = (first.json["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies == ["one"])
            #expect(first.json["start"] == .string(start))
            let end = try #require(first.json["end"]?.stringValue)
            // A long-poll woken by the next message.
            async let waiting = server.client.get(
                "/_matrix/client/v3/events?timeout=20000&from=\(TestServer.queryValue(end))", token: alice.accessToken)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await server.sendOK(bob, roomId, "two")
            let woken = try await waiting
            #expect((woken.json["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue } == ["two"])
            // Nothing new: an empty chunk at the timeout.
            let idle = try await server.client.get("/_matrix/client/v3/events?timeout=100&from=\(TestServer.queryValue(woken.json["end"]?.stringValue ?? ""))",
                                                   token: alice.accessToken)
            #expect(idle.json["chunk"] == [])
            #expect(try await server.client.get("/_matrix/client/v3/events?from=garbage", token: alice.accessToken).status == 400)
        }
    }

    @Test func eventsPeeksIntoWorldReadableRoomsOnly() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let open = try await server.createRoom(bob, ["preset": "public_chat", "initial_state": [
                ["type": "m.room.history_visibility", "state_key": "", "content": ["history_visibility": "world_readable"]],
            ]])
            let closed = try await server.createRoom(bob, ["preset": "private_chat"])
            let start = try #require(try await server.client.get("/_matrix/client/v3/initialSync", token: alice.accessToken)
                .json["end"]?.stringValue)
            _ = try await server.sendOK(bob, open, "visible")
            let peek = try await server.client.get(
                "/_matrix/client/v3/events?timeout=0&room_id=\(TestServer.segment(open))&from=\(TestServer.queryValue(start))",
                token: alice.accessToken)
            #expect(peek.status == 200)
            #expect((peek.json["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue } == ["visible"])
            let refused = try await server.client.get(
                "/_matrix/client/v3/events?timeout=0&room_id=\(TestServer.segment(closed))", token: alice.accessToken)
            #expect(refused.status == 403)
        }
    }

    @Test func roomInitialSyncOfADepartedRoomEndsAtTheDeparture() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Before"])
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(alice, roomId, "while bob was here")
            _ = try await server.leave(bob, roomId)
            _ = try await server.sendOK(alice, roomId, "after bob left")
            _ = try await server.putState(alice, roomId, type: "m.room.name", ["name": "After"])
            let answer = try await server.client.get(server.roomPath(roomId, "initialSync"), token: bob.accessToken)
            #expect(answer.status == 200)
            #expect(answer.json["membership"] == "leave")
            let bodies = (answer.json["messages"]?["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies.contains("while bob was here"))
            #expect(!bodies.contains("after bob left"))
            let name = (answer.json["state"]?.arrayValue ?? []).first { $0["type"] == "m.room.name" }
            #expect(name?["content"]?["name"] == "Before")
        }
    }
}
