import Foundation
import Logging
import MatrixCore
import MyelinPush
import MyelinRooms
import MyelinStorage
import Testing

/// The push rule service on its own, over a room of a remote server that a local user joined: events
/// received over federation notify local members as local ones do, and evaluation catches up from
/// storage when asked, with nothing listening to the pipeline (as a sync asks before it counts).
@Suite struct PushActionServiceTests {
    static let dave = "@dave:local.test"

    func pdu(_ h: PipelineHarness, _ eventId: String) async throws -> PDU {
        let stored = try #require(try await h.store.event(id: eventId))
        let json = try #require(try JSONParser.parse(stored.json).objectValue)
        return PDU(eventId: eventId, roomVersion: h.version, json: json)
    }

    @Test func remoteEventsNotifyLocalMembersAndProgressIsKept() async throws {
        let h = try await PipelineHarness.open(version: .v11)
        var logger = Logger(label: "push-test")
        logger.logLevel = .warning
        let accounts = AccountStore(database: h.database)
        let daveNid = try #require(try await accounts.create(localpart: "dave", passwordHash: nil, isAdmin: false,
                                                             isGuest: false, now: 0)?.nid)
        let room = try await RoomPipelineTests.makeRoom(h)
        let join = try await h.pipeline.send(roomId: room.id, LocalEvent(
            type: "m.room.member", stateKey: Self.dave, sender: Self.dave,
            content: ["membership": "join", "displayname": "Dave"]))
        let daveJoin = try await pdu(h, join.eventId)
        let auth = room.messageAuth(h, member: room.bobJoin)
        let plain = try h.event("m.room.message", sender: RoomPipelineTests.bob,
                                content: ["msgtype": "m.text", "body": "hello"], roomId: room.id,
                                prev: [daveJoin], auth: auth)
        let byName = try h.event("m.room.message", sender: RoomPipelineTests.bob,
                                 content: ["msgtype": "m.text", "body": "dave?"], roomId: room.id,
                                 prev: [plain], auth: auth)
        let notice = try h.event("m.room.message", sender: RoomPipelineTests.bob,
                                 content: ["msgtype": "m.notice", "body": "Dave"], roomId: room.id,
                                 prev: [byName], auth: auth)
        for event in [plain, byName, notice] { #expect(RoomPipelineTests.accepted(try await h.receive(event))) }

        let rooms = RoomService(pipeline: h.pipeline, store: h.store, logger: logger)
        let store = PushActionStore(database: h.database)
        let roomNid = try #require(try await h.store.room(id: room.id)?.nid)
        let end = try await StreamPositions.read(from: h.database).rooms
        // Small batches, so catching up takes several.
        let service = PushActionService(rooms: rooms, store: store, logger: logger, batchSize: 2)
        await service.caughtUp(to: end)
        #expect(try await store.progress() == end)
        let counts = try await service.unreadCounts(userNid: daveNid, userId: Self.dave, roomNid: roomNid, upTo: end)
        #expect(counts == [nil: UnreadCount(notifications: 2, highlights: 1)])
        // Counting stops at the position asked for.
        let earlier = try await service.unreadCounts(userNid: daveNid, userId: Self.dave, roomNid: roomNid,
                                                     upTo: end - 1)
        #expect(earlier == [nil: UnreadCount(notifications: 2, highlights: 1)])
        let first = try await service.unreadCounts(userNid: daveNid, userId: Self.dave, roomNid: roomNid,
                                                   upTo: end - 2)
        #expect(first == [nil: UnreadCount(notifications: 1, highlights: 0)])

        // A new service (a restart) resumes from the stored progress and evaluates only what is new.
        let more = try h.event("m.room.message", sender: RoomPipelineTests.bob,
                               content: ["msgtype": "m.text", "body": "more", "m.mentions": ["user_ids": [.string(Self.dave)]]],
                               roomId: room.id, prev: [notice], auth: auth)
        #expect(RoomPipelineTests.accepted(try await h.receive(more)))
        let restarted = PushActionService(rooms: rooms, store: store, logger: logger)
        let newEnd = try await StreamPositions.read(from: h.database).rooms
        await restarted.caughtUp(to: newEnd)
        #expect(try await store.progress() == newEnd)
        let after = try await restarted.unreadCounts(userNid: daveNid, userId: Self.dave, roomNid: roomNid, upTo: newEnd)
        #expect(after == [nil: UnreadCount(notifications: 3, highlights: 2)])
        // Concurrent callers share the work and all return caught up.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { await restarted.caughtUp(to: newEnd) } }
        }
        #expect(try await store.progress() == newEnd)
        try await h.close()
    }
}
