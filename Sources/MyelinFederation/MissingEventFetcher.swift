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

    /// What the pipeline made of `json`, after fetching what was missing (within the bounds). `deadlineMs`
    /// cuts the fetching shorter still (the transaction the event came in must be answered in time).
    public func receive(_ json: JSONObject, roomId: String, eventId: String, version: RoomVersion, origin: String,
                        deadlineMs: Int64? = nil) async throws -> ReceiveOutcome
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
        let ownDeadline = nowMs() + Int64(settings.missingEventsTimeoutS) * 1000
        var budget = Budget(events: settings.maxMissingEventsPerPDU, deadlineMs: min(ownDeadline, deadlineMs ?? ownDeadline))
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
        var statesAfterPrevs: [String: [StateTuple: String]] = [:]
        while true {
            do {
                return try await pipeline.receive(json, statesAfterMissingPrevs: statesAfterPrevs)
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
            } catch ReceiveError.missingPrevEvents(let ids) where statesAfterPrevs.isEmpty {
                // get_missing_events did not reach what we hold (for a pulled event: it is the oldest pulled):
                // take the state after each missing prev event from the origin instead, and let the event's
                // own checks decide. Each such fetch spends from the budget.
                try check(budget)
                budget.events -= 1
                logger.info("gap remains after get_missing_events; fetching the state at it",
                            metadata: ["event": "\(eventId)", "missing": "\(ids.count)"])
                for prev in ids.prefix(EventFormat.maxPrevEvents) {
                    statesAfterPrevs[prev] = try await stateAfter(prev, roomId: roomId, version: version,
                                                                  origin: origin, budget: &budget)
                }
            }
        }
    }

    /// The state after an event we do not hold, as `origin` tells it: `/state_ids` at the event, the events
    /// we lack fetched with `/event` (a few at a time) and stored as outliers, then the event itself added.
    private func stateAfter(_ eventId: String, roomId: String, version: RoomVersion, origin: String,
                            budget: inout Budget) async throws -> [StateTuple: String] {
        let answer = try await request(FederationRequest(
            .GET, destination: origin, path: "/_matrix/federation/v1/state_ids/\(PathEncoding.segment(roomId))",
            query: [("event_id", eventId)], maxResponseBytes: 32 * 1024 * 1024), budget)
        let stateIds = (answer["pdu_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        let authIds = (answer["auth_chain_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard stateIds.count + authIds.count <= settings.maxStateEventsFetched else {
            throw ReceiveError.invalidEvent(
                "the state at \(eventId) has \(stateIds.count + authIds.count) events, over the limit of "
                    + "\(settings.maxStateEventsFetched)")
        }
        let wanted = Array(Set(stateIds + authIds + [eventId]))
        let known = try await rooms.events(ids: wanted)
        var fetched: [PDU] = []
        let unknown = wanted.filter { known[$0] == nil }
        for start in stride(from: 0, to: unknown.count, by: 8) {
            try check(budget)
            let batch = Array(unknown[start..<min(start + 8, unknown.count)])
            let remaining = remainingSeconds(budget)
            let pdus = await withTaskGroup(of: PDU?.self) { group in
                for id in batch {
                    group.addTask { [transport] in
                        guard let answer = try? await transport.json(FederationRequest(
                            .GET, destination: origin, path: "/_matrix/federation/v1/event/\(PathEncoding.segment(id))",
                            timeoutSeconds: remaining, maxResponseBytes: 256 * 1024)),
                            let json = answer["pdus"]?.arrayValue?.first?.objectValue,
                            let pdu = try? PDU(json: json, roomVersion: version), pdu.eventId == id,
                            pdu.resolvedRoomId == roomId
                        else { return nil }
                        return pdu
                    }
                }
                var result: [PDU] = []
                for await pdu in group { if let pdu { result.append(pdu) } }
                return result
            }
            fetched += pdus
        }
        for pdu in RoomPipeline.authOrdered(fetched) {
            do {
                _ = try await pipeline.receiveOutlier(pdu.json, roomVersion: version)
            } catch {
                logger.info("state event refused", metadata: ["event": "\(pdu.eventId)", "error": "\(error)"])
            }
        }
        let stored = try await rooms.events(ids: stateIds + [eventId])
        var state: [StateTuple: String] = [:]
        for id in stateIds {
            guard let event = stored[id], event.status != .rejected, let key = event.stateKey else { continue }
            state[StateTuple(type: event.type, stateKey: key)] = id
        }
        if let event = stored[eventId], event.status != .rejected, let key = event.stateKey {
            state[StateTuple(type: event.type, stateKey: key)] = eventId
        }
        return state
    }

    /// A request bounded by the budget's deadline as well as its own timeout: a server that never answers
    /// costs no more than the time left.
    private func request(_ request: FederationRequest, _ budget: Budget) async throws -> JSONObject {
        var bounded = request
        let seconds = remainingSeconds(budget)
        bounded.timeoutSeconds = min(request.timeoutSeconds ?? seconds, seconds)
        let outbound = bounded
        let transport = transport
        return try await withThrowingTaskGroup(of: JSONObject?.self) { group in
            group.addTask { try await transport.json(outbound) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                throw ReceiveError.invalidEvent("\(request.destination) did not answer in time")
            }
            return answer
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
        let answer = try await request(FederationRequest(
            .GET, destination: origin,
            path: "/_matrix/federation/v1/event_auth/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(eventId))",
            maxResponseBytes: 16 * 1024 * 1024), budget)
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
    /// the pipeline oldest first (fetching their auth events, and the state at the oldest one when it still
    /// does not meet what we hold, but no further `get_missing_events`).
    private func fetchMissingPrevs(roomId: String, eventId: String, version: RoomVersion, origin: String,
                                   budget: inout Budget) async throws {
        guard let room = try await rooms.room(id: roomId) else { throw ReceiveError.unknownRoom(roomId) }
        let extremities = try await rooms.forwardExtremities(roomNid: room.nid)
        // Nothing older than the first event we hold is wanted (Synapse asks the same way).
        let minDepth = try await rooms.historyEdge(roomNid: room.nid, count: 1).events.first?.depth ?? 0
        let limit = min(budget.events, 20)
        let answer = try await request(FederationRequest(
            .POST, destination: origin,
            path: "/_matrix/federation/v1/get_missing_events/\(PathEncoding.segment(roomId))",
            body: [
                "earliest_events": .array(extremities.map { .string($0.eventId) }),
                "latest_events": [.string(eventId)],
                "limit": .int(Int64(limit)),
                "min_depth": .int(minDepth),
            ],
            maxResponseBytes: 16 * 1024 * 1024), budget)
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
