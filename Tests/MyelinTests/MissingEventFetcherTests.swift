import Foundation
import Logging
import MatrixCore
import MyelinFederation
import MyelinRooms
import MyelinStorage
import Testing

/// Filling gaps: a PDU whose prev events we lack goes through `get_missing_events`, then (when that does
/// not reach what we hold) the state at the gap; forged events in the gap are refused; a hostile server
/// cannot make us take more than our bounds, nor hold us past the deadline.
@Suite struct MissingEventFetcherTests {
    /// A chain of messages by bob on remote.test after the room's set-up, as the remote server holds it.
    struct Chain {
        let room: RoomPipelineTests.Room
        var events: [PDU]
    }

    static func chain(_ h: PipelineHarness, room: RoomPipelineTests.Room, count: Int,
                      forge: [Int: (PipelineHarness, PDU, RoomPipelineTests.Room) throws -> PDU] = [:]) throws -> Chain {
        var events: [PDU] = []
        var previous = room.bobJoin
        for index in 1...count {
            var event = try h.event("m.room.message", sender: RoomPipelineTests.bob,
                                    content: ["msgtype": "m.text", "body": .string("m\(index)")], roomId: room.id,
                                    prev: [previous], auth: room.messageAuth(h, member: room.bobJoin))
            if let forger = forge[index] { event = try forger(h, previous, room) }
            events.append(event)
            previous = event
        }
        return Chain(room: room, events: events)
    }

    /// The remote server's answers, from the chain and the room's set-up.
    final class GapServer: FederationTransport, @unchecked Sendable {
        let chain: Chain
        let setUp: [PDU]
        let lock = NSLock()
        var requests: [String] = []
        /// Hostile modes.
        var padMissingEvents = 0
        var neverAnswer = false

        init(chain: Chain) {
            self.chain = chain
            let room = chain.room
            setUp = [room.create, room.aliceJoin, room.powerLevels, room.joinRules, room.bobJoin]
        }

        var all: [String: PDU] {
            Dictionary(uniqueKeysWithValues: (setUp + chain.events).map { ($0.eventId, $0) })
        }

        func send(_ request: FederationRequest) async throws -> FederationResponse {
            lock.withLock { requests.append(request.path) }
            if neverAnswer { try await Task.sleep(for: .seconds(3600)) }
            let events = all
            func ok(_ object: JSONObject) -> FederationResponse {
                FederationResponse(status: 200, body: CanonicalJSON.encodeLenient(.object(object)))
            }
            if request.path.contains("/get_missing_events/") {
                let body = request.body?.objectValue ?? [:]
                let earliest = Set((body["earliest_events"]?.arrayValue ?? []).compactMap(\.stringValue))
                let limit = Int(body["limit"]?.intValue ?? 10)
                var result: [JSONValue] = []
                var cursor = (body["latest_events"]?.arrayValue ?? []).compactMap(\.stringValue)
                while let id = cursor.first, result.count < limit {
                    cursor.removeFirst()
                    guard let event = events[id] else { continue }
                    for prev in event.prevEvents where !earliest.contains(prev) {
                        if let pdu = events[prev] { result.append(.object(pdu.json)); cursor.append(prev) }
                    }
                }
                var answer = Array(result.reversed())
                // A hostile server pads its answer with far more than asked.
                for index in 0..<padMissingEvents { answer.append(["padding": .int(Int64(index))]) }
                return ok(["events": .array(answer)])
            }
            if request.path.contains("/state_ids/") {
                let setUpIds = setUp.map { JSONValue.string($0.eventId) }
                return ok(["pdu_ids": .array(setUpIds), "auth_chain_ids": .array(setUpIds)])
            }
            if request.path.contains("/event_auth/") {
                return ok(["auth_chain": .array(setUp.map { .object($0.json) })])
            }
            if request.path.hasPrefix("/_matrix/federation/v1/event/") {
                let id = String(request.path.dropFirst("/_matrix/federation/v1/event/".count)).removingPercentEncoding ?? ""
                guard let pdu = events[id] else { return FederationResponse(status: 404, body: []) }
                return ok(["pdus": [.object(pdu.json)], "origin": "remote.test", "origin_server_ts": 0])
            }
            return FederationResponse(status: 404, body: [])
        }
    }

    func fetcher(_ h: PipelineHarness, _ server: GapServer, configure: (inout FederationSettings) -> Void = { _ in })
        -> MissingEventFetcher
    {
        var settings = FederationSettings()
        configure(&settings)
        var logger = Logger(label: "fetcher-test")
        logger.logLevel = .warning
        return MissingEventFetcher(pipeline: h.pipeline, rooms: h.store, transport: server, settings: settings,
                                   nowMs: { Int64(Date().timeIntervalSince1970 * 1000) }, logger: logger)
    }

    func deliver(_ fetcher: MissingEventFetcher, _ event: PDU, _ h: PipelineHarness, room: RoomPipelineTests.Room)
        async throws -> ReceiveOutcome
    {
        try await fetcher.receive(event.json, roomId: room.id, eventId: event.eventId, version: h.version,
                                  origin: "remote.test")
    }

    func status(_ h: PipelineHarness, _ event: PDU) async throws -> EventStatus? {
        try await h.store.event(id: event.eventId)?.status
    }

    @Test(arguments: ["1", "10", "12"])
    func aShortGapIsFilledThroughGetMissingEvents(version: String) async throws {
        let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
        let room = try await RoomPipelineTests.makeRoom(h)
        let chain = try Self.chain(h, room: room, count: 12)
        let server = GapServer(chain: chain)
        let outcome = try await deliver(fetcher(h, server), try #require(chain.events.last), h, room: room)
        #expect(RoomPipelineTests.accepted(outcome), "\(outcome)")
        for event in chain.events { #expect(try await status(h, event) == .accepted) }
        #expect(server.requests.contains { $0.contains("/get_missing_events/") })
        #expect(!server.requests.contains { $0.contains("/state_ids/") })
        try await h.close()
    }

    @Test(arguments: ["1", "12"])
    func aLongGapIsClosedWithTheStateAtIt(version: String) async throws {
        let h = try await PipelineHarness.open(version: try #require(RoomVersion.named(version)))
        let room = try await RoomPipelineTests.makeRoom(h)
        let chain = try Self.chain(h, room: room, count: 60)
        let server = GapServer(chain: chain)
        let last = try #require(chain.events.last)
        let outcome = try await deliver(fetcher(h, server), last, h, room: room)
        #expect(RoomPipelineTests.accepted(outcome), "\(outcome)")
        #expect(server.requests.contains { $0.contains("/state_ids/") })
        // The newest events came through get_missing_events (at most 20), the oldest of them judged against
        // the state at its prev event; the oldest events were never fetched.
        #expect(try await status(h, chain.events[0]) == nil)
        for event in chain.events.suffix(21) { #expect(try await status(h, event) == .accepted) }
        // The room moved on: the last event is a forward extremity and its state is the room's.
        let extremities = try await h.store.forwardExtremities(roomNid: try #require(try await h.store.room(id: room.id)).nid)
        #expect(extremities.map(\.eventId).contains(last.eventId))
        try await h.close()
    }

    @Test func forgedEventsInTheGapAreRefused() async throws {
        let h = try await PipelineHarness.open(version: .v12)
        let room = try await RoomPipelineTests.makeRoom(h)
        let impostor = try SigningKey(version: "r1", seed: [UInt8](repeating: 9, count: 32))
        let chain = try Self.chain(h, room: room, count: 8, forge: [
            // Claims remote.test's key but is signed by another: a bad signature.
            4: { h, previous, room in
                try h.event("m.room.message", sender: RoomPipelineTests.bob, content: ["body": "forged"],
                            roomId: room.id, prev: [previous], auth: room.messageAuth(h, member: room.bobJoin),
                            key: impostor)
            },
            // Eve never joined: fails authorisation.
            6: { h, previous, room in
                try h.event("m.room.message", sender: RoomPipelineTests.eve, content: ["body": "intruder"],
                            roomId: room.id, prev: [previous], auth: room.messageAuth(h, member: room.bobJoin))
            },
        ])
        let server = GapServer(chain: chain)
        let outcome = try await deliver(fetcher(h, server), try #require(chain.events.last), h, room: room)
        #expect(try await status(h, chain.events[3]) == nil, "a badly signed event is never stored")
        #expect(try await status(h, chain.events[5]) != .accepted)
        for index in [0, 1, 2] { #expect(try await status(h, chain.events[index]) == .accepted) }
        // Past the forgery the chain is judged against the state the server gives at the forged event; the
        // forgery itself stays out.
        for index in [4, 6, 7] { #expect(try await status(h, chain.events[index]) == .accepted) }
        #expect(RoomPipelineTests.accepted(outcome), "\(outcome)")
        try await h.close()
    }

    @Test func aFloodOfMissingEventsIsCutToTheLimit() async throws {
        let h = try await PipelineHarness.open(version: .v12)
        let room = try await RoomPipelineTests.makeRoom(h)
        let chain = try Self.chain(h, room: room, count: 5)
        let server = GapServer(chain: chain)
        server.padMissingEvents = 10_000
        let outcome = try await deliver(fetcher(h, server), try #require(chain.events.last), h, room: room)
        #expect(RoomPipelineTests.accepted(outcome), "\(outcome)")
        let count = try await h.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
        #expect(count == 5 + 5, "the room's set-up and the chain, nothing of the padding")
        try await h.close()
    }

    @Test func aServerThatNeverAnswersCostsNoMoreThanTheDeadline() async throws {
        let h = try await PipelineHarness.open(version: .v12)
        let room = try await RoomPipelineTests.makeRoom(h)
        let chain = try Self.chain(h, room: room, count: 5)
        let server = GapServer(chain: chain)
        server.neverAnswer = true
        let fetcher = fetcher(h, server) { $0.missingEventsTimeoutS = 1 }
        let last = try #require(chain.events.last)
        await #expect(throws: ReceiveError.self) { _ = try await deliver(fetcher, last, h, room: room) }
        // Remembered as failed: not fetched again at once.
        let before = server.requests.count
        await #expect(throws: ReceiveError.self) { _ = try await deliver(fetcher, last, h, room: room) }
        #expect(server.requests.count == before)
        try await h.close()
    }
}
