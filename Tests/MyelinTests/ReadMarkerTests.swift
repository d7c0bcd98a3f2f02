import Foundation
import MatrixCore
import MyelinEphemeral
import Testing

@Suite struct ReadMarkerTests {
    @Test func aFullyReadMarkerAloneWakesAWaitingSync() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let message = try await server.sendOK(alice, roomId, "one")
            let first = try await server.client.get("/_matrix/client/v3/sync", token: bob.accessToken)
            let since = try #require(first.json["next_batch"]?.stringValue)
            // A long-poll far longer than the test waits: only the marker can end it in time.
            let poll = Task {
                try await server.client.get("/_matrix/client/v3/sync?timeout=600000&since=\(since)", token: bob.accessToken)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await server.readMarkers(bob, roomId, ["m.fully_read": .string(message)]).status == 200)
            let woken = try await withThrowingTaskGroup(of: TestResponse?.self) { group in
                group.addTask { try await poll.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            poll.cancel()
            let answer = try #require(woken, "the marker did not wake the waiting sync")
            let events = answer.json["rooms"]?["join"]?[roomId]?["account_data"]?["events"]?.arrayValue ?? []
            #expect(events.contains { $0["type"]?.stringValue == "m.fully_read"
                && $0["content"]?["event_id"]?.stringValue == message })
        }
    }

    @Test func markersAndReceiptsTogether() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let first = try await server.sendOK(alice, roomId, "one")
            let second = try await server.sendOK(alice, roomId, "two")
            let receipts = server.ephemeral.receipts

            #expect(try await server.fullyRead(bob, roomId) == nil)
            let response = try await server.readMarkers(bob, roomId, [
                "m.fully_read": .string(second), "m.read": .string(first), "m.read.private": .string(second),
            ])
            #expect(response.status == 200)
            #expect(try await server.fullyRead(bob, roomId) == second)
            let mine = try await receipts.update(viewer: bob.userId, since: nil)
            #expect(mine.rooms[roomId]?.receipt(first, "m.read", bob.userId) != nil)
            #expect(mine.rooms[roomId]?.receipt(second, "m.read.private", bob.userId) != nil)
            let theirs = try await receipts.update(viewer: alice.userId, since: nil)
            #expect(theirs.rooms[roomId]?.receipt(first, "m.read", bob.userId) != nil)
            #expect(theirs.rooms[roomId]?[second] == nil)

            // The marker only moves forward.
            #expect(try await server.readMarkers(bob, roomId, ["m.fully_read": .string(first)]).status == 200)
            #expect(try await server.fullyRead(bob, roomId) == second)
            // Each part is optional, and unknown keys and empty values are ignored.
            #expect(try await server.readMarkers(bob, roomId, [:]).status == 200)
            #expect(try await server.readMarkers(bob, roomId, ["m.read": "", "m.seen": "$x"]).status == 200)
            // m.fully_read stays server-managed: clients cannot write it as account data.
            let direct = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(bob.userId))/rooms/\(TestServer.segment(roomId))/account_data/m.fully_read",
                ["event_id": .string(first)], token: bob.accessToken)
            #expect(direct.status == 405)
        }
    }

    @Test func refusalsWriteNothing() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.sharedRoom(alice, [bob])
            let event = try await server.sendOK(alice, roomId)
            let receipts = server.ephemeral.receipts

            // One bad event refuses the whole request before anything is written.
            let unknown = try await server.readMarkers(bob, roomId, ["m.read": .string(event), "m.fully_read": "$nope"])
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            #expect(try await receipts.currentPosition() == 0)
            #expect(try await server.fullyRead(bob, roomId) == nil)

            let notJoined = try await server.readMarkers(carol, roomId, ["m.fully_read": .string(event)])
            #expect(notJoined.status == 403)
            #expect(notJoined.errcode == "M_FORBIDDEN")
            let notString = try await server.readMarkers(bob, roomId, ["m.fully_read": 5])
            #expect(notString.status == 400)
            #expect(notString.errcode == "M_BAD_JSON")
            let notObject = try await server.client.post(server.roomPath(roomId, "read_markers"), [1],
                                                         token: bob.accessToken)
            #expect(notObject.status == 400)
            #expect(notObject.errcode == "M_BAD_JSON")
            #expect(try await receipts.currentPosition() == 0)
            #expect(try await server.fullyRead(bob, roomId) == nil)
        }
    }
}
