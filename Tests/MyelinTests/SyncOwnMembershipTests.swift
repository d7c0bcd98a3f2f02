import Foundation
import MatrixCore
import Testing

/// `/sync` after the user's own membership changed: a profile change is an ordinary state event, a
/// rejoin brings the state missed while away, and a room joined and left between two syncs comes with
/// its state up to the leave.
@Suite struct SyncOwnMembershipTests {
    static let stateAfter = ["use_state_after=true"]

    @Test func aDisplayNameChangeIsNotANewJoin() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat"])
            for i in 1...3 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            let token = try server.nextBatch(try await server.syncOK(alice))
            try await server.putStateOK(alice, roomId, type: "m.room.member", stateKey: alice.userId,
                                        ["membership": "join", "displayname": "Alice Two"])
            let next = try await server.syncOK(alice, since: token)
            let room = try #require(next["rooms"]?["join"]?[roomId])
            let timeline = room.sectionEvents("timeline")
            #expect(timeline.count == 1)
            #expect(timeline.first?["content"]?["displayname"] == "Alice Two")
            #expect(room["timeline"]?["limited"] == false)
            #expect(room.sectionEvents("state").isEmpty)
            // With state_after: the new member event alone.
            let after = try await server.syncOK(alice, since: token, extra: Self.stateAfter)
            let afterRoom = try #require(after["rooms"]?["join"]?[roomId])
            #expect(afterRoom.sectionEvents("timeline").count == 1)
            let afterState = afterRoom.sectionEvents("state_after")
            #expect(afterState.count == 1)
            #expect(afterState.first?["content"]?["displayname"] == "Alice Two")
        }
    }

    @Test func aRejoinStartsAtTheRejoinWithTheStateMissedWhileAway() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.setHistoryVisibility(alice, roomId, "joined")
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(alice, roomId, "before")
            let beforeLeave = try server.nextBatch(try await server.syncOK(bob))
            #expect(try await server.leave(bob, roomId).status == 200)
            let left = try await server.syncOK(bob, since: beforeLeave)
            #expect(left["rooms"]?["leave"]?[roomId] != nil)
            let afterLeave = try server.nextBatch(left)
            // Carol joins and Alice speaks while Bob is away; then Bob comes back.
            try await server.joinOK(carol, roomId)
            _ = try await server.sendOK(alice, roomId, "while away")
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(alice, roomId, "welcome back")
            for token in [afterLeave, beforeLeave] {
                let answer = try await server.syncOK(bob, since: token)
                let room = try #require(answer["rooms"]?["join"]?[roomId], "since \(token)")
                let first = room.sectionEvents("timeline").first
                #expect(first?["type"] == "m.room.member", "since \(token)")
                #expect(first?["state_key"]?.stringValue == bob.userId, "since \(token)")
                #expect(first?["content"]?["membership"] == "join", "since \(token)")
                #expect(room.sectionBodies() == ["welcome back"], "since \(token)")
                #expect(room["timeline"]?["limited"] == true, "since \(token)")
                #expect(room.memberKeys("state").contains(carol.userId), "since \(token)")
                #expect(!room.hasEvent("m.room.create", in: "timeline"), "since \(token)")
            }
            // With state_after: the room's state now, Carol in it.
            let after = try await server.syncOK(bob, since: afterLeave, extra: Self.stateAfter)
            let afterRoom = try #require(after["rooms"]?["join"]?[roomId])
            #expect(afterRoom.memberKeys("state_after").isSuperset(of: [alice.userId, bob.userId, carol.userId]))
            #expect(afterRoom.hasEvent("m.room.create", in: "state_after"))
            #expect(afterRoom.sectionBodies() == ["welcome back"])
        }
    }

    @Test func aRoomJoinedAndLeftBetweenTwoSyncsComesWithItsState() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Brief"])
            let token = try server.nextBatch(try await server.syncOK(bob))
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(alice, roomId, "hello bob")
            #expect(try await server.leave(bob, roomId).status == 200)
            _ = try await server.sendOK(alice, roomId, "after bob left")
            let filter: JSONObject = ["room": ["include_leave": true, "timeline": ["limit": 2]]]
            let answer = try await server.syncOK(bob, since: token, filter: filter)
            let room = try #require(answer["rooms"]?["leave"]?[roomId])
            #expect(room.sectionBodies() == ["hello bob"])
            #expect(room.sectionEvents("timeline").last?["content"]?["membership"] == "leave")
            #expect(room.hasEvent("m.room.create", in: "state"))
            #expect(room.hasEvent("m.room.name", in: "state"))
            #expect(room.memberKeys("state").isSuperset(of: [alice.userId, bob.userId]))
            // With state_after: the state at the leave, Bob's own leave in it.
            let after = try await server.syncOK(bob, since: token, filter: filter, extra: Self.stateAfter)
            let afterRoom = try #require(after["rooms"]?["leave"]?[roomId])
            #expect(afterRoom.hasEvent("m.room.create", in: "state_after"))
            let own = afterRoom.sectionEvents("state_after").first {
                $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == bob.userId
            }
            #expect(own?["content"]?["membership"] == "leave")
        }
    }
}
