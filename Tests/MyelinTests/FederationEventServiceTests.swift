import Foundation
import MatrixCore
import MyelinFederation
import MyelinRooms
import MyelinStorage
import Testing

/// The federation read endpoints' service over a real pipeline fed by two fake servers: remote.test
/// (alice and bob, who made the room) and other.test (carol, who comes later). The service is asked
/// as other servers would ask it, by `origin`.
@Suite struct FederationEventServiceTests {
    static let alice = RoomPipelineTests.alice
    static let bob = RoomPipelineTests.bob
    static let carol = "@carol:other.test"
    static let versions = ["1", "11", "12"]

    /// A room on remote.test (see `RoomPipelineTests.makeRoom`) and the service answering for it.
    struct Fixture {
        let h: PipelineHarness
        let room: RoomPipelineTests.Room
        let service: FederationEventService

        static func open(_ version: String, limits: FederationEventLimits = .init()) async throws -> Fixture {
            let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
            let room = try await RoomPipelineTests.makeRoom(h)
            let service = FederationEventService(store: h.store, pipeline: h.pipeline, serverName: "local.test",
                                                 limits: limits)
            return Fixture(h: h, room: room, service: service)
        }

        var base: [PDU] { h.version.createEventInAuthEvents ? [room.create] : [] }

        func receive(_ pdu: PDU, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let outcome = try await h.receive(pdu)
            #expect(RoomPipelineTests.accepted(outcome), "\(pdu.type): \(outcome)", sourceLocation: sourceLocation)
        }

        /// `count` messages from bob, each after the one before, the first after `tip`.
        func messages(_ count: Int, after tip: PDU) async throws -> [PDU] {
            var result: [PDU] = []
            var previous = tip
            for index in 0..<count {
                let message = try h.event("m.room.message", sender: bob, content: ["body": .string("m\(index)")],
                                          roomId: room.id, prev: [previous], auth: room.messageAuth(h, member: room.bobJoin),
                                          ts: 1_800_000_000_000 + Int64(index))
                try await receive(message)
                result.append(message)
                previous = message
            }
            return result
        }

        func aliceState(_ type: String, _ content: JSONObject, after tip: PDU) async throws -> PDU {
            let event = try h.event(type, stateKey: "", sender: alice, content: content, roomId: room.id, prev: [tip],
                                    auth: base + [room.powerLevels, room.aliceJoin])
            try await receive(event)
            return event
        }

        /// Alice invites carol (with a reason, so the invite's redacted form differs from it).
        func inviteCarol(after tip: PDU) async throws -> PDU {
            let invite = try h.event("m.room.member", stateKey: carol, sender: alice,
                                     content: ["membership": "invite", "reason": "come along"],
                                     roomId: room.id, prev: [tip], auth: base + [room.powerLevels, room.aliceJoin])
            try await receive(invite)
            return invite
        }

        /// Carol (other.test) joins.
        func carolJoins(after tip: PDU, invite: PDU?) async throws -> PDU {
            let join = try h.event("m.room.member", stateKey: carol, sender: carol,
                                   content: ["membership": "join", "displayname": "Carol"],
                                   roomId: room.id, prev: [tip],
                                   auth: base + [room.powerLevels, room.joinRules] + (invite.map { [$0] } ?? []),
                                   server: h.other)
            try await receive(join)
            return join
        }
    }

    // MARK: Helpers

    static func pdus(_ body: JSONObject, _ key: String = "pdus") -> [JSONObject] {
        body[key]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    static func ids(_ body: JSONObject, _ key: String) -> [String] {
        body[key]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// The event IDs of served PDUs, found by matching them against the events the test built.
    static func eventIds(_ served: [JSONObject], among known: [PDU]) -> [String] {
        served.map { json in
            known.first { $0.json == json || Redaction.redact($0.json, roomVersion: $0.roomVersion) == json }?.eventId
                ?? "?"
        }
    }

    static func expectError(_ errcode: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () async throws -> JSONObject) async {
        do {
            _ = try await body()
            Issue.record("expected \(errcode)", sourceLocation: sourceLocation)
        } catch let error as MatrixError {
            #expect(error.errcode == errcode && error.status == status, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(errcode), got \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Shapes

    @Test(arguments: versions)
    func eventAndTransactionShape(version: String) async throws {
        let f = try await Fixture.open(version)
        let messages = try await f.messages(2, after: f.room.bobJoin)
        let body = try await f.service.event(origin: "remote.test", eventId: messages[0].eventId)
        #expect(body["origin"] == "local.test")
        #expect(body["origin_server_ts"] == .int(1_800_000_000_000))
        #expect(Self.pdus(body) == [messages[0].json])

        // A redacted event is served redacted (v11 rules carry `redacts` in content, which the harness can build).
        if f.h.version.redaction == .v11 {
            let redaction = try f.h.event("m.room.redaction", sender: Self.alice,
                                          content: ["redacts": .string(messages[0].eventId)], roomId: f.room.id,
                                          prev: [messages[1]], auth: f.base + [f.room.powerLevels, f.room.aliceJoin])
            try await f.receive(redaction)
            let redacted = try await f.service.event(origin: "remote.test", eventId: messages[0].eventId)
            #expect(Self.pdus(redacted) == [Redaction.redact(messages[0].json, roomVersion: f.h.version)])
        }
        try await f.h.close()
    }

    /// An erased sender's events (spec v1.10) reach a server whose users came after the erasure redacted;
    /// a server that was in the room before keeps the whole events.
    @Test(arguments: versions)
    func erasedSendersAreRedactedForServersThatCameLater(version: String) async throws {
        let f = try await Fixture.open(version)
        let messages = try await f.messages(1, after: f.room.bobJoin)
        try await f.h.database.write { db in
            try db.execute(sql: "INSERT INTO erased_users (user_id, stream_pos, erased_ts) SELECT ?, MAX(stream_pos), 0 FROM events",
                           arguments: [Self.bob])
        }
        let carolJoin = try await f.carolJoins(after: messages[0], invite: nil)
        let forOther = try await f.service.event(origin: "other.test", eventId: messages[0].eventId)
        #expect(Self.pdus(forOther) == [Redaction.redact(messages[0].json, roomVersion: f.h.version)])
        let backfilled = try await f.service.backfill(origin: "other.test", roomId: f.room.id,
                                                      from: [carolJoin.eventId], limit: 10)
        let served = Self.pdus(backfilled).first { Self.eventIds([$0], among: messages) == [messages[0].eventId] }
        #expect(served == Redaction.redact(messages[0].json, roomVersion: f.h.version))
        let forRemote = try await f.service.event(origin: "remote.test", eventId: messages[0].eventId)
        #expect(Self.pdus(forRemote) == [messages[0].json])
        try await f.h.close()
    }

    @Test(arguments: versions)
    func stateBeforeAnEvent(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let message = try await f.messages(1, after: room.bobJoin)[0]
        let all = [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin, message]

        let ids = try await f.service.stateIds(origin: "remote.test", roomId: room.id, eventId: message.eventId)
        let expectedState = [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin].map(\.eventId)
        #expect(Set(Self.ids(ids, "pdu_ids")) == Set(expectedState))
        #expect(Self.ids(ids, "pdu_ids").count == expectedState.count)
        // The auth chain of that state: everything bob's join and the rest cite, not bob's join itself.
        let expectedChain = [room.create, room.aliceJoin, room.powerLevels, room.joinRules].map(\.eventId)
        #expect(Self.ids(ids, "auth_chain_ids") == expectedChain, "oldest first, each once")

        let full = try await f.service.state(origin: "remote.test", roomId: room.id, eventId: message.eventId)
        #expect(Self.eventIds(Self.pdus(full), among: all) == Self.ids(ids, "pdu_ids"))
        #expect(Self.eventIds(Self.pdus(full, "auth_chain"), among: all) == expectedChain)
        #expect(Set(full.keys) == ["pdus", "auth_chain"])

        // At a state event: the state before it, without the event itself.
        let atJoinRules = try await f.service.stateIds(origin: "remote.test", roomId: room.id,
                                                       eventId: room.joinRules.eventId)
        #expect(Set(Self.ids(atJoinRules, "pdu_ids")) == Set([room.create, room.aliceJoin, room.powerLevels].map(\.eventId)))
        #expect(Self.ids(atJoinRules, "auth_chain_ids") == [room.create, room.aliceJoin].map(\.eventId))
        try await f.h.close()
    }

    @Test(arguments: versions)
    func authChainOfAnEvent(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let message = try await f.messages(1, after: room.bobJoin)[0]
        let all = [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin, message]
        let body = try await f.service.eventAuth(origin: "remote.test", roomId: room.id, eventId: message.eventId)
        let chain = Self.eventIds(Self.pdus(body, "auth_chain"), among: all)
        // Complete (v12's create event, which no event lists, included), each once, oldest first.
        #expect(chain == [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin].map(\.eventId))
        #expect(Set(body.keys) == ["auth_chain"])

        let ofCreate = try await f.service.eventAuth(origin: "remote.test", roomId: room.id, eventId: room.create.eventId)
        #expect(Self.pdus(ofCreate, "auth_chain").isEmpty)
        try await f.h.close()
    }

    // MARK: Walks

    @Test(arguments: versions)
    func backfillNewestFirstWithinLimit(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let messages = try await f.messages(5, after: room.bobJoin)
        let all = [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin] + messages

        let three = try await f.service.backfill(origin: "remote.test", roomId: room.id, from: [messages[4].eventId], limit: 3)
        #expect(three["origin"] == "local.test")
        #expect(Self.eventIds(Self.pdus(three), among: all) == [messages[4], messages[3], messages[2]].map(\.eventId))

        let everything = try await f.service.backfill(origin: "remote.test", roomId: room.id,
                                                      from: [messages[2].eventId], limit: 50)
        #expect(Self.eventIds(Self.pdus(everything), among: all)
                == [messages[2], messages[1], messages[0], room.bobJoin, room.joinRules, room.powerLevels,
                    room.aliceJoin, room.create].map(\.eventId))

        // Two branches: taken by depth, the deeper first, from either branch.
        let left = try await f.messages(2, after: messages[4])
        let right = try f.h.event("m.room.message", sender: Self.bob, content: ["body": "right"], roomId: room.id,
                                  prev: [messages[4]], auth: room.messageAuth(f.h, member: room.bobJoin))
        try await f.receive(right)
        let forked = try await f.service.backfill(origin: "remote.test", roomId: room.id,
                                                  from: [left[1].eventId, right.eventId], limit: 4)
        #expect(Self.eventIds(Self.pdus(forked), among: all + left + [right])
                == [left[1].eventId, left[0].eventId, right.eventId, messages[4].eventId]
                || Self.eventIds(Self.pdus(forked), among: all + left + [right])
                == [left[1].eventId, right.eventId, left[0].eventId, messages[4].eventId])

        // Unknown starting events: nothing to walk from.
        let unknown = try await f.service.backfill(origin: "remote.test", roomId: room.id, from: ["$nope"], limit: 10)
        #expect(Self.pdus(unknown).isEmpty)
        await Self.expectError("M_INVALID_PARAM", 400) {
            try await f.service.backfill(origin: "remote.test", roomId: room.id, from: [messages[0].eventId], limit: 0)
        }
        await Self.expectError("M_MISSING_PARAM", 400) {
            try await f.service.backfill(origin: "remote.test", roomId: room.id, from: [], limit: 10)
        }
        try await f.h.close()
    }

    @Test(arguments: versions)
    func missingEventsStopAtEarliestDepthAndLimit(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let m = try await f.messages(10, after: room.bobJoin)
        func ask(_ request: MissingEventsRequest) async throws -> [String] {
            let body = try await f.service.missingEvents(origin: "remote.test", roomId: room.id, request)
            #expect(Set(body.keys) == ["events"])
            return Self.eventIds(Self.pdus(body, "events"), among: m)
        }
        // Between the earliest and latest events, neither included, oldest first.
        #expect(try await ask(MissingEventsRequest(earliestEvents: [m[2].eventId], latestEvents: [m[9].eventId],
                                                   limit: 10)) == m[3...8].map(\.eventId))
        // Nothing shallower than min_depth.
        #expect(try await ask(MissingEventsRequest(earliestEvents: [], latestEvents: [m[9].eventId], limit: 10,
                                                   minDepth: m[6].depth)) == m[6...8].map(\.eventId))
        // The limit keeps the events nearest the latest ones.
        #expect(try await ask(MissingEventsRequest(earliestEvents: [m[2].eventId], latestEvents: [m[9].eventId],
                                                   limit: 2)) == [m[7].eventId, m[8].eventId])
        // The default limit is 10: m[0...8] and bob's join.
        let defaulted = try await f.service.missingEvents(
            origin: "remote.test", roomId: room.id, MissingEventsRequest(earliestEvents: [], latestEvents: [m[9].eventId]))
        #expect(Self.pdus(defaulted, "events").count == 10)
        // Unknown latest events find nothing.
        #expect(try await ask(MissingEventsRequest(earliestEvents: [], latestEvents: ["$nope"])) == [])
        try await f.h.close()
    }

    @Test func missingEventsRequestBody() throws {
        let request = try MissingEventsRequest(body: [
            "earliest_events": ["$a"], "latest_events": ["$b", "$c"], "limit": 5, "min_depth": 3,
        ])
        #expect(request == MissingEventsRequest(earliestEvents: ["$a"], latestEvents: ["$b", "$c"], limit: 5, minDepth: 3))
        #expect(try MissingEventsRequest(body: ["latest_events": ["$b"]])
                == MissingEventsRequest(earliestEvents: [], latestEvents: ["$b"], limit: nil, minDepth: 0))
        for bad: JSONObject in [["latest_events": "$b"], ["latest_events": [1]], ["limit": "5"], ["min_depth": .double(1.5)]] {
            #expect(throws: MatrixError.self) { try MissingEventsRequest(body: bad) }
        }
    }

    /// Huge limits are capped: 100 for backfill, 20 for get_missing_events (Synapse's caps).
    @Test func hugeLimitsAreCapped() async throws {
        let f = try await Fixture.open("11")
        let m = try await f.messages(105, after: f.room.bobJoin)
        let backfill = try await f.service.backfill(origin: "remote.test", roomId: f.room.id, from: [m[104].eventId],
                                                    limit: Int.max)
        #expect(Self.pdus(backfill).count == 100)
        let missing = try await f.service.missingEvents(
            origin: "remote.test", roomId: f.room.id,
            MissingEventsRequest(earliestEvents: [], latestEvents: [m[104].eventId], limit: Int.max))
        #expect(Self.eventIds(Self.pdus(missing, "events"), among: m) == m[84...103].map(\.eventId))
        try await f.h.close()
    }

    @Test func sizeBoundsRefuseInsteadOfCutting() async throws {
        var limits = FederationEventLimits()
        limits.maxStateEvents = 4
        limits.maxStateIds = 6
        let f = try await Fixture.open("11", limits: limits)
        let message = try await f.messages(1, after: f.room.bobJoin)[0]
        await Self.expectError("M_TOO_LARGE", 413) {
            try await f.service.state(origin: "remote.test", roomId: f.room.id, eventId: message.eventId)
        }
        await Self.expectError("M_TOO_LARGE", 413) {
            try await f.service.eventAuth(origin: "remote.test", roomId: f.room.id, eventId: message.eventId)
        }
        // 5 state events and 4 in their auth chain: past 6.
        await Self.expectError("M_TOO_LARGE", 413) {
            try await f.service.stateIds(origin: "remote.test", roomId: f.room.id, eventId: message.eventId)
        }
        try await f.h.close()
    }

    // MARK: Access

    @Test(arguments: versions)
    func serversNotInTheRoomAreRefused(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let message = try await f.messages(1, after: room.bobJoin)[0]
        // other.test is only invited: not in the room either.
        let invite = try await f.inviteCarol(after: message)
        for origin in ["stranger.test", "other.test", "remote.test:8448"] {
            await Self.expectError("M_FORBIDDEN", 403) { try await f.service.event(origin: origin, eventId: message.eventId) }
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.state(origin: origin, roomId: room.id, eventId: message.eventId)
            }
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.stateIds(origin: origin, roomId: room.id, eventId: message.eventId)
            }
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.eventAuth(origin: origin, roomId: room.id, eventId: message.eventId)
            }
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.backfill(origin: origin, roomId: room.id, from: [invite.eventId], limit: 10)
            }
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.missingEvents(origin: origin, roomId: room.id,
                                                  MissingEventsRequest(earliestEvents: [], latestEvents: [invite.eventId]))
            }
            // Refused before the event is looked up: nothing is learnt about events of the room.
            await Self.expectError("M_FORBIDDEN", 403) {
                try await f.service.stateIds(origin: origin, roomId: room.id, eventId: "$nope")
            }
        }
        try await f.h.close()
    }

    @Test(arguments: versions)
    func serverACLDeniesAJoinedServer(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let join = try await f.carolJoins(after: room.bobJoin, invite: nil)
        #expect(Self.pdus(try await f.service.event(origin: "other.test", eventId: join.eventId)).count == 1)
        let acl = try await f.aliceState("m.room.server_acl", ["allow": ["*"], "deny": ["other.test"]], after: join)
        await Self.expectError("M_FORBIDDEN", 403) { try await f.service.event(origin: "other.test", eventId: join.eventId) }
        await Self.expectError("M_FORBIDDEN", 403) {
            try await f.service.state(origin: "other.test", roomId: room.id, eventId: acl.eventId)
        }
        await Self.expectError("M_FORBIDDEN", 403) {
            try await f.service.stateIds(origin: "other.test", roomId: room.id, eventId: acl.eventId)
        }
        await Self.expectError("M_FORBIDDEN", 403) {
            try await f.service.eventAuth(origin: "other.test", roomId: room.id, eventId: acl.eventId)
        }
        await Self.expectError("M_FORBIDDEN", 403) {
            try await f.service.backfill(origin: "other.test", roomId: room.id, from: [acl.eventId], limit: 10)
        }
        await Self.expectError("M_FORBIDDEN", 403) {
            try await f.service.missingEvents(origin: "other.test", roomId: room.id,
                                              MissingEventsRequest(earliestEvents: [], latestEvents: [acl.eventId]))
        }
        // The servers the ACL allows still read.
        #expect(Self.ids(try await f.service.stateIds(origin: "remote.test", roomId: room.id, eventId: acl.eventId),
                         "pdu_ids").contains(join.eventId))
        try await f.h.close()
    }

    @Test(arguments: versions)
    func unknownRoomsAndEventsAreNotFound(version: String) async throws {
        let f = try await Fixture.open(version)
        let room = f.room
        let message = try await f.messages(1, after: room.bobJoin)[0]
        let unknownRoom = "!nope:remote.test"
        await Self.expectError("M_NOT_FOUND", 404) { try await f.service.event(origin: "remote.test", eventId: "$nope") }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.state(origin: "remote.test", roomId: unknownRoom, eventId: message.eventId)
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.stateIds(origin: "remote.test", roomId: unknownRoom, eventId: message.eventId)
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.eventAuth(origin: "remote.test", roomId: unknownRoom, eventId: message.eventId)
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.backfill(origin: "remote.test", roomId: unknownRoom, from: [message.eventId], limit: 10)
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.missingEvents(origin: "remote.test", roomId: unknownRoom,
                                              MissingEventsRequest(earliestEvents: [], latestEvents: [message.eventId]))
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.state(origin: "remote.test", roomId: room.id, eventId: "$nope")
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.stateIds(origin: "remote.test", roomId: room.id, eventId: "$nope")
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.eventAuth(origin: "remote.test", roomId: room.id, eventId: "$nope")
        }

        // A rejected event (eve never joined): served by /event, as Synapse does, but it has no state
        // or auth chain to serve.
        let intruder = try f.h.event("m.room.message", sender: "@eve:remote.test", content: ["body": "hi"], roomId: room.id,
                                     prev: [message], auth: f.base + [room.powerLevels])
        guard case .rejected = try await f.h.receive(intruder) else { Issue.record("eve's message was not rejected"); return }
        #expect(Self.pdus(try await f.service.event(origin: "remote.test", eventId: intruder.eventId)) == [intruder.json])
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.stateIds(origin: "remote.test", roomId: room.id, eventId: intruder.eventId)
        }
        await Self.expectError("M_NOT_FOUND", 404) {
            try await f.service.eventAuth(origin: "remote.test", roomId: room.id, eventId: intruder.eventId)
        }
        // Nor is it backfilled, though the walk passes it.
        let after = try await f.service.backfill(origin: "remote.test", roomId: room.id, from: [intruder.eventId], limit: 3)
        #expect(Self.eventIds(Self.pdus(after), among: [message, room.bobJoin, room.joinRules])
                == [message.eventId, room.bobJoin.eventId])
        try await f.h.close()
    }

    // MARK: History visibility

    /// A server whose user is invited and joins after some history: what it may see of that history,
    /// by the room's history visibility (served redacted when hidden).
    @Test(arguments: ["joined", "invited", "shared", "world_readable"])
    func historyVisibilityForALateServer(visibility: String) async throws {
        let f = try await Fixture.open("11")
        let room = f.room
        let setting = try await f.aliceState("m.room.history_visibility", ["history_visibility": .string(visibility)],
                                             after: room.bobJoin)
        let before = try await f.messages(1, after: setting)[0]
        let invite = try await f.inviteCarol(after: before)
        let whileInvited = try f.h.event("m.room.message", sender: Self.bob, content: ["body": "while invited"],
                                         roomId: room.id, prev: [invite], auth: room.messageAuth(f.h, member: room.bobJoin))
        try await f.receive(whileInvited)
        let join = try await f.carolJoins(after: whileInvited, invite: invite)
        let after = try f.h.event("m.room.message", sender: Self.bob, content: ["body": "after"], roomId: room.id,
                                  prev: [join], auth: room.messageAuth(f.h, member: room.bobJoin))
        try await f.receive(after)

        let open = visibility == "shared" || visibility == "world_readable"
        let expected: [(event: PDU, visible: Bool)] = [
            (before, open),
            (invite, open || visibility == "invited"),
            (whileInvited, open || visibility == "invited"),
            (join, true),
            (after, true),
        ]
        let all = expected.map(\.event)
        func label(_ event: PDU, visible: Bool) -> String { "\(event.eventId) \(visible ? "whole" : "redacted")" }
        let labels = expected.map { label($0.event, visible: $0.visible) }
        /// How each served PDU came out: whole, redacted, or not one of the events above.
        func labelsOf(_ served: [JSONObject]) -> [String] {
            served.map { json in
                for event in all {
                    if json == event.json { return label(event, visible: true) }
                    if json == Redaction.redact(event.json, roomVersion: f.h.version) { return label(event, visible: false) }
                }
                return "unexpected"
            }
        }
        for (index, item) in expected.enumerated() {
            let served = Self.pdus(try await f.service.event(origin: "other.test", eventId: item.event.eventId))
            #expect(labelsOf(served) == [labels[index]], "\(visibility): \(item.event.type) \(item.event.content)")
            // The servers of the room's first members see everything.
            let toRemote = Self.pdus(try await f.service.event(origin: "remote.test", eventId: item.event.eventId))
            #expect(labelsOf(toRemote) == [label(item.event, visible: true)])
        }
        // Backfill and get_missing_events judge each event the same way.
        let backfill = Self.pdus(try await f.service.backfill(origin: "other.test", roomId: room.id,
                                                              from: [after.eventId], limit: 5))
        #expect(labelsOf(backfill) == labels.reversed())
        let missing = Self.pdus(try await f.service.missingEvents(
            origin: "other.test", roomId: room.id,
            MissingEventsRequest(earliestEvents: [setting.eventId], latestEvents: [after.eventId])), "events")
        #expect(labelsOf(missing) == labels.dropLast())
        try await f.h.close()
    }

    @Test func serverVisibilityRules() {
        typealias V = HistoryVisibility
        #expect(V.serverMaySeeEvent(visibilityBefore: .shared, membershipsBefore: []))
        #expect(V.serverMaySeeEvent(visibilityBefore: .worldReadable, membershipsBefore: []))
        #expect(!V.serverMaySeeEvent(visibilityBefore: .joined, membershipsBefore: [.leave, .invite]))
        #expect(V.serverMaySeeEvent(visibilityBefore: .joined, membershipsBefore: [.leave, .join]))
        #expect(V.serverMaySeeEvent(visibilityBefore: .invited, membershipsBefore: [.invite]))
        #expect(!V.serverMaySeeEvent(visibilityBefore: .invited, membershipsBefore: [.ban, .knock]))
        // A history visibility event: before or after.
        #expect(V.serverMaySeeEvent(visibilityBefore: .joined, visibilityAfter: .shared, membershipsBefore: []))
        // A member event of one of the server's users: before or after.
        #expect(V.serverMaySeeEvent(visibilityBefore: .joined, membershipsBefore: [.leave], membershipsAfter: [.join]))
        #expect(V.serverMaySeeEvent(visibilityBefore: .joined, membershipsBefore: [.join], membershipsAfter: [.leave]))
    }
}
