import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Inbound transactions (`PUT /_matrix/federation/v1/send/{txnId}`): at most 50 PDUs and 100 EDUs, each
/// PDU through the pipeline (with missing events fetched), each PDU's result in the answer. A retried
/// transaction gets the stored answer. Transactions of one origin are processed one at a time (in
/// order, as the spec expects), with a bounded number waiting; more are refused with 429.
public actor TransactionReceiver {
    let rooms: RoomService
    let fetcher: MissingEventFetcher
    let store: FederationStore
    let sender: FederationSender
    let settings: FederationSettings
    let nowMs: @Sendable () -> Int64
    let logger: Logger
    private var active: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(rooms: RoomService, fetcher: MissingEventFetcher, store: FederationStore, sender: FederationSender,
                settings: FederationSettings, nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        self.rooms = rooms
        self.fetcher = fetcher
        self.store = store
        self.sender = sender
        self.settings = settings
        self.nowMs = nowMs
        self.logger = logger
    }

    /// The answer to a transaction: `{"pdus": {eventId: {} or {"error": ...}}}`.
    public func receive(origin: String, txnId: String, body: JSONObject) async throws -> JSONObject {
        guard case .array(let pdus)? = body["pdus"] else {
            throw MatrixError.badJSON("A transaction needs a 'pdus' array")
        }
        var edus: [JSONValue] = []
        if let value = body["edus"] {
            guard case .array(let list) = value else { throw MatrixError.badJSON("'edus' must be an array") }
            edus = list
        }
        guard pdus.count <= settings.maxPDUsPerTransaction, edus.count <= settings.maxEDUsPerTransaction else {
            throw MatrixError.badJSON("Too many PDUs or EDUs: at most \(settings.maxPDUsPerTransaction) and "
                                      + "\(settings.maxEDUsPerTransaction)")
        }
        if let claimed = body["origin"]?.stringValue, claimed != origin {
            throw MatrixError.forbidden("The transaction's origin \(claimed) is not the server that signed it")
        }
        await sender.destinationIsUp(origin)
        if let earlier = try await store.inboundResponse(origin: origin, txnId: txnId),
            case .object(let answer)? = try? JSONParser.parse(earlier)
        {
            return answer
        }
        try await enter(origin)
        defer { leave(origin) }
        if let earlier = try await store.inboundResponse(origin: origin, txnId: txnId),
            case .object(let answer)? = try? JSONParser.parse(earlier)
        {
            return answer
        }
        // The sender waits for our answer (Synapse gives up after a minute): fetching what PDUs lack stops
        // at this deadline; a PDU left with a gap is answered with an error and comes back through
        // get_missing_events with the next event of its room.
        let deadlineMs = nowMs() + Int64(settings.transactionTimeoutS) * 1000
        var results: JSONObject = [:]
        for case .object(let json) in pdus {
            guard let (eventId, result) = await process(json, origin: origin, deadlineMs: deadlineMs) else { continue }
            results[eventId] = .object(result)
        }
        if !edus.isEmpty {
            // Typing, receipts, presence, device lists and to-device EDUs are handled with the rest of
            // federation's ephemeral traffic (not yet): they are accepted and dropped.
            logger.debug("federation: EDUs dropped", metadata: ["origin": "\(origin)", "count": "\(edus.count)"])
        }
        let answer: JSONObject = ["pdus": .object(results)]
        try await store.recordInbound(origin: origin, txnId: txnId, response: CanonicalJSON.encodeLenient(.object(answer)),
                                      nowMs: nowMs())
        return answer
    }

    /// One PDU's result; nil for a PDU that names no room we know (Synapse drops those silently too).
    private func process(_ json: JSONObject, origin: String, deadlineMs: Int64) async -> (String, JSONObject)? {
        guard let roomId = json["room_id"]?.stringValue, let room = try? await rooms.store.room(id: roomId),
            let version = RoomVersion.named(room.version), let pdu = try? PDU(json: json, roomVersion: version)
        else {
            return nil
        }
        // The sender's server must be the origin. Membership events are the exception: a resident server
        // passes on the joins, leaves and knocks other servers made through it (send_join and friends),
        // and their senders' signatures are checked like any other.
        guard matrixIDDomainOf(pdu.sender) == origin || pdu.type == "m.room.member" else {
            return (pdu.eventId, ["error": .string("\(pdu.sender) is not a user of \(origin)")])
        }
        do {
            try await ServerAccess.checkACL(rooms: rooms, room: room, server: origin)
            let outcome = try await fetcher.receive(json, roomId: roomId, eventId: pdu.eventId, version: version,
                                                    origin: origin, deadlineMs: deadlineMs)
            switch outcome {
            case .accepted, .alreadyKnown, .softFailed: return (pdu.eventId, [:])
            case .rejected(_, let reason): return (pdu.eventId, ["error": .string("rejected: \(reason)")])
            }
        } catch {
            logger.info("federation: PDU not accepted", metadata: [
                "origin": "\(origin)", "event": "\(pdu.eventId)", "error": "\(error)",
            ])
            return (pdu.eventId, ["error": .string("\(error)")])
        }
    }

    private func enter(_ origin: String) async throws {
        if active[origin, default: 0] < settings.maxConcurrentTransactionsPerOrigin {
            active[origin, default: 0] += 1
            return
        }
        guard waiting[origin, default: []].count < settings.maxQueuedTransactionsPerOrigin else {
            throw MatrixError("M_LIMIT_EXCEEDED", "Too many transactions from \(origin) at once", status: 429,
                              extra: ["retry_after_ms": 1000])
        }
        await withCheckedContinuation { continuation in waiting[origin, default: []].append(continuation) }
    }

    private func leave(_ origin: String) {
        if var queue = waiting[origin], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[origin] = queue.isEmpty ? nil : queue
            next.resume()
            return
        }
        active[origin, default: 1] -= 1
        if active[origin] == 0 { active[origin] = nil }
    }
}
