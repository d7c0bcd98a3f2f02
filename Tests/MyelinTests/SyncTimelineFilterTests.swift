import Foundation
import MatrixCore
import Testing

/// A timeline filter's `limit` counts the events that pass its `types`/`senders`, not the events read:
/// sync reads on until it has `limit` matching events (or the range ends) and says `limited` only when
/// matching events were left out.
@Suite struct SyncTimelineFilterTests {
    static let messagesOnly: JSONObject = ["room": ["timeline": ["limit": 1, "types": ["m.room.message"]]]]

    func fillers(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ prefix: String) async throws {
        for i in 1...12 {
            try await server.putStateOK(user, roomId, type: "org.example.filler", stateKey: "\(prefix)\(i)", ["n": .int(Int64(i))])
        }
    }

    @Test func theLimitCountsMatchingEvents() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let token = try server.nextBatch(try await server.syncOK(alice))
            _ = try await server.sendOK(alice, roomId, "keep me")
            try await fillers(server, alice, roomId, "a")

            // Incremental: the one message, and nothing matching was left out.
            let next = try await server.syncOK(alice, since: token, filter: Self.messagesOnly)
            let room = try #require(next["rooms"]?["join"]?[roomId])
            #expect(room.sectionBodies() == ["keep me"])
            #expect(room["timeline"]?["limited"] == false)
            // Initial: the same (the room's creation events do not match).
            let initial = try await server.syncOK(alice, filter: Self.messagesOnly)
            let whole = try #require(initial["rooms"]?["join"]?[roomId])
            #expect(whole.sectionBodies() == ["keep me"])
            #expect(whole["timeline"]?["limited"] == false)

            // A second message behind more fillers: the older one is left out, so the sync is limited.
            let second = try server.nextBatch(next)
            _ = try await server.sendOK(alice, roomId, "newer")
            try await fillers(server, alice, roomId, "b")
            let later = try await server.syncOK(alice, since: second, filter: Self.messagesOnly)
            #expect(later["rooms"]?["join"]?[roomId]?.sectionBodies() == ["newer"])
            #expect(later["rooms"]?["join"]?[roomId]?["timeline"]?["limited"] == false)
            let again = try await server.syncOK(alice, filter: Self.messagesOnly)
            #expect(again["rooms"]?["join"]?[roomId]?.sectionBodies() == ["newer"])
            #expect(again["rooms"]?["join"]?[roomId]?["timeline"]?["limited"] == true)
        }
    }

    @Test func stateFilteredOutOfTheTimelineBeforeItsStartIsInState() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let token = try server.nextBatch(try await server.syncOK(alice))
            try await server.putStateOK(alice, roomId, type: "m.room.topic", ["topic": "filtered out"])
            _ = try await server.sendOK(alice, roomId, "after the topic")
            let next = try await server.syncOK(alice, since: token, filter: Self.messagesOnly)
            let room = try #require(next["rooms"]?["join"]?[roomId])
            #expect(room.sectionBodies() == ["after the topic"])
            // The topic changed between the token and the timeline's start, and the timeline does not show it.
            let topic = room.sectionEvents("state").first { $0["type"] == "m.room.topic" }
            #expect(topic?["content"]?["topic"] == "filtered out")
        }
    }
}
