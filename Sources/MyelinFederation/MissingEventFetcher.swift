import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Puts a remote event through the pipeline, fetching what it cites and we lack (server-server API,
/// "Retrieving missing events"): unknown auth events through `/event_auth` (stored as outliers), unknown
/// prev events through `get_missing_events` from our forward extremities. Bounded per incoming PDU by
/// an event budget and a deadline; one fetch at a time per room; the same event is never fetched twice
/// at once, and events that failed recently are not tried again until they age out.
public actor MissingEventFetcher {
    let pipeline: RoomPipeline
    let rooms: RoomEventStore
    let transport: any FederationTransport
    let settings: FederationSettings
    let nowMs: @Sendable () -> Int64
    let logger: Logger
    /// Rooms with a fetch under way (a second fetch for the room waits its turn).
    private var busyRooms: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Event IDs that failed recently, with when: bounded, oldest dropped first.
    private var recentFailures: [String: Int64] = [:]
    private let maxRecentFailures = 4096
    private let failureMemoryMs: Int64 = 5 * 60 * 1000

    public init(pipeline: RoomPipeline, rooms: RoomEventStore, transport: any FederationTransport,
                settings: FederationSettings, nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        self.pipeline = pipeline
        self.rooms = rooms
        self.transport = transport
        self.settings = settings
        self.nowMs = nowMs
        self.logger = logger
    }

    /// What the pipeline made of `json`, after fetching what was missing (within the bounds).
    public func receive(_ json: JSONObject, roomId: String, eventId: String, version: RoomVersion, origin: String)
        async throws -> ReceiveOutcome
    {
        if let failed = recentFailures[eventId], nowMs() - failed < failureMemoryMs {
            throw ReceiveError.invalidEvent("\(eventId) failed recently; not retried yet")
        }
        do {
            return try await pipeline.receive(json)
        } catch let error as ReceiveError {
            switch error {
            case .missingAuthEvents, .missingPrevEvents: break
            default: throw error
            }
        }
        await enterRoom(roomId)
        defer { leaveRoom(roomId) }
        var budget = Budget(events: settings.maxMissingEventsPerPDU,
                            deadlineMs: nowMs() + Int64(settings.missingEventsTimeoutS) * 1000)
        do {
            return try await process(json, roomId: roomId, eventId: eventId, version: version, origin: origin,
                                     budget: &budget, fillGaps: true)
        } catch {
            remember(failure: eventId)
            throw error
        }
    }

    struct Budget {
        var events: Int
        let deadlineMs: Int64
    }

    private func process(_ json: JSONObject, roomId: String, eventId: String, version: RoomVersion, origin: String,
                         budget: inout Budget, fillGaps: Bool) async throws -> ReceiveOutcome {
        var fetchedAuth = false
        var fetchedPrevs = false
        while true {
            do {
                return try await pipeline.receive(json)
            } catch ReceiveError.missingAuthEvents(let ids) where !fetchedAuth {
                fetchedAuth = true
                try check(budget)
                logger.debug("fetching auth events", metadata: ["event": "\(eventId)", "missing": "\(ids.count)"])
                try await fetchAuthChain(roomId: roomId, eventId: eventId, version: version, origin: origin,
                                         budget: &budget)
            } catch ReceiveError.missingPrevEvents(let ids) where fillGaps && !fetchedPrevs {
                fetchedPrevs = true
                try check(budget)
                logger.debug("fetching missing prev events", metadata: ["event": "\(eventId)", "missing": "\(ids.count)"])
                try await fetchMissingPrevs(roomId: roomId, eventId: eventId, version: version, origin: origin,
                                            budget: &budget)
            }
        }
    }

    private func check(_ budget: Budget) throws {
        guard budget.events > 0 else { throw ReceiveError.invalidEvent("missing-event budget spent") }
        guard nowMs() < budget.deadlineMs else { throw ReceiveError.invalidEvent("missing-event fetching timed out") }
    }

    private func remainingSeconds(_ budget: Budget) -> Int { max(1, Int((budget.deadlineMs - nowMs()) / 1000)) }

    /// The event's auth chain from the origin; those we lack are stored as outliers, auth events first.
    private func fetchAuthChain(roomId: String, eventId: String, version: RoomVersion, origin: String,
                                budget: inout Budget) async throws {
        let answer = try await transport.json(FederationRequest(
            .GET, destination: origin,
            path: "/_matrix/federation/v1/event_auth/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(eventId))",
            timeoutSeconds: remainingSeconds(budget), maxResponseBytes: 16 * 1024 * 1024))
        let chain = (answer["auth_chain"]?.arrayValue ?? []).compactMap(\.objectValue)
        var pdus: [PDU] = []
        for json in chain { if let pdu = try? PDU(json: json, roomVersion: version) { pdus.append(pdu) } }
        let known = try await rooms.events(ids: pdus.map(\.eventId))
        for pdu in RoomPipeline.authOrdered(pdus) where known[pdu.eventId] == nil {
            try check(budget)
            budget.events -= 1
            do {
                _ = try await pipeline.receiveOutlier(pdu.json, roomVersion: version)
            } catch {
                logger.info("auth event refused", metadata: ["event": "\(pdu.eventId)", "error": "\(error)"])
            }
        }
    }

    /// `get_missing_events` between our forward extremities and the event; what comes back goes through
    /// the pipeline oldest first (fetching their auth events if needed, but no further gaps).
    private func fetchMissingPrevs(roomId: String, eventId: String, version: RoomVersion, origin: String,
                                   budget: inout Budget) async throws {
        guard let room = try await rooms.room(id: roomId) else { throw ReceiveError.unknownRoom(roomId) }
        let extremities = try await rooms.forwardExtremities(roomNid: room.nid)
        let limit = min(budget.events, 20)
        let answer = try await transport.json(FederationRequest(
            .POST, destination: origin,
            path: "/_matrix/federation/v1/get_missing_events/\(PathEncoding.segment(roomId))",
            body: [
                "earliest_events": .array(extremities.map { .string($0.eventId) }),
                "latest_events": [.string(eventId)],
                "limit": .int(Int64(limit)),
                "min_depth": .int(0),
            ],
            timeoutSeconds: remainingSeconds(budget), maxResponseBytes: 16 * 1024 * 1024))
        // A server may answer with more than asked: only `limit` are looked at.
        var events: [PDU] = []
        for json in (answer["events"]?.arrayValue ?? []).prefix(limit).compactMap(\.objectValue) {
            if let pdu = try? PDU(json: json, roomVersion: version), pdu.resolvedRoomId == roomId { events.append(pdu) }
        }
        for pdu in events.sorted(by: { $0.depth < $1.depth }) where pdu.eventId != eventId {
            try check(budget)
            budget.events -= 1
            do {
                _ = try await process(pdu.json, roomId: roomId, eventId: pdu.eventId, version: version, origin: origin,
                                      budget: &budget, fillGaps: false)
            } catch {
                logger.info("missing event refused", metadata: ["event": "\(pdu.eventId)", "error": "\(error)"])
            }
        }
    }

    private func enterRoom(_ roomId: String) async {
        if busyRooms[roomId] == nil {
            busyRooms[roomId] = []
            return
        }
        await withCheckedContinuation { continuation in busyRooms[roomId, default: []].append(continuation) }
    }

    private func leaveRoom(_ roomId: String) {
        guard var waiting = busyRooms[roomId] else { return }
        if waiting.isEmpty {
            busyRooms[roomId] = nil
        } else {
            let next = waiting.removeFirst()
            busyRooms[roomId] = waiting
            next.resume()
        }
    }

    private func remember(failure eventId: String) {
        if recentFailures.count >= maxRecentFailures,
            let oldest = recentFailures.min(by: { $0.value < $1.value })?.key
        {
            recentFailures[oldest] = nil
        }
        recentFailures[eventId] = nowMs()
    }
}
