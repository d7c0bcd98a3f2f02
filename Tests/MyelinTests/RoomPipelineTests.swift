import Foundation
import MatrixCore
import MyelinRooms
import MyelinStorage
import Testing

/// The pipeline fed hand-built PDUs signed by a fake remote server, as federation will deliver them:
/// accepted, rejected (against auth events and against the state before), soft-failed, a bad
/// signature, a content hash mismatch, and forks that need state resolution.
@Suite struct RoomPipelineTests {
    static let alice = "@alice:remote.test"
    static let bob = "@bob:remote.test"
    static let eve = "@eve:remote.test"

    /// A room on remote.test with alice (creator, PL 100), public join rules and bob joined.
    struct Room {
        let id: String
        let create: PDU
        let aliceJoin: PDU
        let powerLevels: PDU
        let joinRules: PDU
        let bobJoin: PDU

        /// Auth events of a message by a joined user.
        func messageAuth(_ h: PipelineHarness, member: PDU) -> [PDU] {
            (h.version.createEventInAuthEvents ? [create] : []) + [powerLevels, member]
        }
    }

    static func accepted(_ outcome: ReceiveOutcome) -> Bool {
        if case .accepted = outcome { return true }
        return false
    }

    static func makeRoom(_ h: PipelineHarness) async throws -> Room {
        let v = h.version
        var createContent: JSONObject = ["room_version": .string(v.identifier)]
        if !v.implicitRoomCreator { createContent["creator"] = .string(alice) }
        let create = try h.event("m.room.create", stateKey: "", sender: alice, content: createContent,
                                 roomId: v.roomIDFromCreateEvent ? nil : "!room:remote.test", prev: [], auth: [])
        let roomId = try #require(create.resolvedRoomId)
        let base = v.createEventInAuthEvents ? [create] : []
        let aliceJoin = try h.event("m.room.member", stateKey: alice, sender: alice, content: ["membership": "join"],
                                    roomId: roomId, prev: [create], auth: base)
        let users: JSONObject = v.privilegedCreators ? [:] : [alice: 100]
        let powerLevels = try h.event("m.room.power_levels", stateKey: "", sender: alice,
                                      content: ["users": .object(users), "state_default": 50, "ban": 50],
                                      roomId: roomId, prev: [aliceJoin], auth: base + [aliceJoin])
        let joinRules = try h.event("m.room.join_rules", stateKey: "", sender: alice, content: ["join_rule": "public"],
                                    roomId: roomId, prev: [powerLevels], auth: base + [powerLevels, aliceJoin])
        let bobJoin = try h.event("m.room.member", stateKey: bob, sender: bob, content: ["membership": "join"],
                                  roomId: roomId, prev: [joinRules], auth: base + [powerLevels, joinRules])
        for event in [create, aliceJoin, powerLevels, joinRules, bobJoin] {
            let outcome = try await h.receive(event)
            #expect(accepted(outcome), "\(event.type) \(event.stateKey ?? ""): \(outcome)")
        }
        return Room(id: roomId, create: create, aliceJoin: aliceJoin, powerLevels: powerLevels, joinRules: joinRules,
                    bobJoin: bobJoin)
    }

    static let versions = ["1", "6", "10", "11", "12"]

    @Test(arguments: versions)
    func acceptsAndRejects(version: String) async throws {
        let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
        let room = try await Self.makeRoom(h)
        #expect(try await h.store.room(id: room.id)?.version == version)
        #expect(try await h.store.rooms(of: Self.bob, membership: "join") == [room.id])

        // A message from someone who never joined: refused by its own auth events.
        let base = h.version.createEventInAuthEvents ? [room.create] : []
        let intruder = try h.event("m.room.message", sender: Self.eve, content: ["body": "hi"], roomId: room.id,
                                   prev: [room.bobJoin], auth: base + [room.powerLevels])
        guard case .rejected = try await h.receive(intruder) else { Issue.record("eve's message was not rejected"); return }
        #expect(try await h.store.event(id: intruder.eventId)?.status == .rejected)
        #expect(try await h.store.event(id: intruder.eventId)?.streamPos == nil)

        // Bob (power 0) renaming the room: refused (state_default is 50).
        let rename = try h.event("m.room.name", stateKey: "", sender: Self.bob, content: ["name": "Bob's"],
                                 roomId: room.id, prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin))
        guard case .rejected = try await h.receive(rename) else { Issue.record("bob's rename was not rejected"); return }

        // An event citing a rejected event among its auth events is rejected too.
        let citing = try h.event("m.room.message", sender: Self.bob, content: ["body": "x"], roomId: room.id,
                                 prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin) + [rename])
        guard case .rejected = try await h.receive(citing) else { Issue.record("citing a rejected event passed"); return }

        // Seen before.
        #expect(try await h.receive(room.bobJoin) == .alreadyKnown(eventId: room.bobJoin.eventId))

        // A wrong signature: refused and not stored.
        let forger = try SigningKey(version: "r1", seed: [UInt8](repeating: 9, count: 32))
        let forged = try h.event("m.room.message", sender: Self.bob, content: ["body": "forged"], roomId: room.id,
                                 prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin), key: forger)
        await #expect(throws: ReceiveError.self) { try await h.receive(forged) }
        #expect(try await h.store.event(id: forged.eventId) == nil)

        // Unknown prev events: federation must fetch them first.
        var orphan = try h.event("m.room.message", sender: Self.bob, content: ["body": "?"], roomId: room.id,
                                 prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin))
        let ghost = try h.event("m.room.message", sender: Self.bob, content: ["body": "ghost"], roomId: room.id,
                                prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin))
        orphan = try h.event("m.room.message", sender: Self.bob, content: ["body": "?"], roomId: room.id,
                             prev: [ghost], auth: room.messageAuth(h, member: room.bobJoin))
        await #expect(throws: ReceiveError.missingPrevEvents([ghost.eventId])) { try await h.receive(orphan) }

        // A content hash mismatch: the signature (over the redacted form) holds, the content is dropped.
        let genuine = try h.event("m.room.message", sender: Self.bob, content: ["body": "original"], roomId: room.id,
                                  prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin))
        var tampered = genuine.json
        tampered["content"] = ["body": "tampered"]
        #expect(Self.accepted(try await h.pipeline.receive(tampered)))
        let stored = try #require(try await h.store.event(id: genuine.eventId))
        let storedJSON = try JSONParser.parse(stored.json)
        #expect(storedJSON["content"] == .object([:]))
        try await h.close()
    }

    @Test(arguments: versions)
    func softFailsAgainstCurrentState(version: String) async throws {
        let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
        let room = try await Self.makeRoom(h)
        let base = h.version.createEventInAuthEvents ? [room.create] : []
        let ban = try h.event("m.room.member", stateKey: Self.bob, sender: Self.alice, content: ["membership": "ban"],
                              roomId: room.id, prev: [room.bobJoin], auth: base + [room.powerLevels, room.aliceJoin, room.bobJoin])
        #expect(Self.accepted(try await h.receive(ban)))
        #expect(try await h.store.rooms(of: Self.bob, membership: "ban") == [room.id])
        // Bob's message forks from before the ban: allowed by the state before it, not by current state.
        let late = try h.event("m.room.message", sender: Self.bob, content: ["body": "too late"], roomId: room.id,
                               prev: [room.bobJoin], auth: room.messageAuth(h, member: room.bobJoin))
        guard case .softFailed = try await h.receive(late) else { Issue.record("bob's late message was not soft-failed"); return }
        let stored = try #require(try await h.store.event(id: late.eventId))
        #expect(stored.status == .softFailed)
        #expect(stored.streamPos == nil)
        // It is not a forward extremity: the room moves on from the ban alone.
        #expect(try await h.store.forwardExtremities(roomNid: stored.roomNid).map(\.eventId) == [ban.eventId])
        try await h.close()
    }

    @Test(arguments: versions)
    func forksAreResolved(version: String) async throws {
        let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
        let room = try await Self.makeRoom(h)
        let auth = room.messageAuth(h, member: room.aliceJoin)
        let t0: Int64 = 1_800_000_100_000
        // Two branches from bob's join: a topic on one, a name on the other. No conflict: both stand.
        let topicA = try h.event("m.room.topic", stateKey: "", sender: Self.alice, content: ["topic": "A"],
                                 roomId: room.id, prev: [room.bobJoin], auth: auth, ts: t0)
        let name = try h.event("m.room.name", stateKey: "", sender: Self.alice, content: ["name": "N"],
                               roomId: room.id, prev: [room.bobJoin], auth: auth, ts: t0)
        #expect(Self.accepted(try await h.receive(topicA)))
        #expect(Self.accepted(try await h.receive(name)))
        let roomNid = try #require(try await h.store.room(id: room.id)).nid
        #expect(Set(try await h.store.forwardExtremities(roomNid: roomNid).map(\.eventId)) == [topicA.eventId, name.eventId])
        var current = try await currentState(h, room.id)
        #expect(current[StateTuple(type: "m.room.topic", stateKey: "")] == topicA.eventId)
        #expect(current[StateTuple(type: "m.room.name", stateKey: "")] == name.eventId)
        #expect(current[StateTuple(type: "m.room.member", stateKey: Self.bob)] == room.bobJoin.eventId)

        // Conflicting topics: B on the first branch, C (deeper and later) on the second. C wins in
        // every algorithm (v1: greater depth; v2: same mainline, later origin_server_ts).
        let message = try h.event("m.room.message", sender: Self.alice, content: ["body": "between"], roomId: room.id,
                                  prev: [name], auth: auth, ts: t0 + 1)
        let topicB = try h.event("m.room.topic", stateKey: "", sender: Self.alice, content: ["topic": "B"],
                                 roomId: room.id, prev: [topicA], auth: auth, ts: t0 + 2)
        let topicC = try h.event("m.room.topic", stateKey: "", sender: Self.alice, content: ["topic": "C"],
                                 roomId: room.id, prev: [message], auth: auth, ts: t0 + 3)
        for event in [message, topicB, topicC] { #expect(Self.accepted(try await h.receive(event))) }
        current = try await currentState(h, room.id)
        #expect(current[StateTuple(type: "m.room.topic", stateKey: "")] == topicC.eventId)
        #expect(current[StateTuple(type: "m.room.name", stateKey: "")] == name.eventId)

        // A merge event citing both branches: its state before is the resolution, and the room has one
        // extremity again.
        let merge = try h.event("m.room.message", sender: Self.alice, content: ["body": "merge"], roomId: room.id,
                                prev: [topicB, topicC], auth: auth, ts: t0 + 4)
        #expect(Self.accepted(try await h.receive(merge)))
        let stored = try #require(try await h.store.event(id: merge.eventId))
        let before = try await h.store.state(snapshot: try #require(stored.stateBefore))
        #expect(before[StateTuple(type: "m.room.topic", stateKey: "")] == topicC.eventId)
        #expect(try await h.store.forwardExtremities(roomNid: roomNid).map(\.eventId) == [merge.eventId])
        try await h.close()
    }

    func currentState(_ h: PipelineHarness, _ roomId: String) async throws -> [StateTuple: String] {
        let room = try #require(try await h.store.room(id: roomId))
        return try await h.store.state(snapshot: try #require(room.currentSnapshot))
    }
}
