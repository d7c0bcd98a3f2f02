import Foundation
import MatrixCore
import Testing

/// Presence of users who start sharing a room: the presence stream carries changes only, and a change
/// made before two users shared a room reached neither, so a join brings each side the other's current
/// presence in the next sync.
@Suite struct SyncRoomMatePresenceTests {
    /// Syncs that leave the syncing user's own presence alone.
    static let quiet = ["set_presence=offline"]

    func presence(of userId: String, in answer: JSONValue) -> [JSONValue] {
        (answer["presence"]?["events"]?.arrayValue ?? []).filter { $0["sender"]?.stringValue == userId }
    }

    @Test func aJoinBringsPresenceBothWays() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            #expect(try await server.putPresence(alice, ["presence": "online", "status_msg": "at lunch"]).status == 200)
            #expect(try await server.putPresence(bob, ["presence": "unavailable", "status_msg": "busy"]).status == 200)
            let roomId = try await server.createRoom(bob, ["preset": "public_chat"])
            let bobToken = try server.nextBatch(try await server.syncOK(bob, extra: Self.quiet))
            let aliceToken = try server.nextBatch(try await server.syncOK(alice, extra: Self.quiet))

            try await server.joinOK(alice, roomId)
            // Bob hears of Alice, who joined his room...
            let bobNext = try await server.syncOK(bob, since: bobToken, extra: Self.quiet)
            let seenByBob = presence(of: alice.userId, in: bobNext)
            #expect(seenByBob.count == 1)
            #expect(seenByBob.first?["content"]?["status_msg"] == "at lunch")
            #expect(seenByBob.first?["content"]?["presence"] == "online")
            // ...and Alice of Bob, whose room she joined.
            let aliceNext = try await server.syncOK(alice, since: aliceToken, extra: Self.quiet)
            let seenByAlice = presence(of: bob.userId, in: aliceNext)
            #expect(seenByAlice.count == 1)
            #expect(seenByAlice.first?["content"]?["status_msg"] == "busy")

            // Once: a later message brings no presence that did not change.
            _ = try await server.sendOK(alice, roomId, "hi")
            let later = try await server.syncOK(bob, since: try server.nextBatch(bobNext), extra: Self.quiet)
            #expect(later["rooms"]?["join"]?[roomId] != nil)
            #expect(presence(of: alice.userId, in: later).isEmpty)
        }
    }
}
