import MatrixCore
import MyelinStorage

/// Turns stored events into the client-server API's event format (`ClientEvent`): federation fields
/// dropped, redaction applied (with `unsigned.redacted_because`), `unsigned.prev_content`,
/// `replaces_state`, `age`, `transaction_id` for the device that sent the event, and the viewer's
/// `membership` at the event (spec v1.11, MSC4115). Events of senders erased for the viewer
/// (`RoomEventStore.erasedSenders`) are served redacted.
struct ClientEventSerializer {
    let store: RoomEventStore
    let loader: RoomEventLoader
    let roomNid: Int64
    let nowMs: Int64

    /// The viewer, for erasure and `membership`, and their device, for `transaction_id`.
    struct Viewer {
        let userId: String
        let userNid: Int64
        let deviceId: String
    }

    func serialize(_ events: [StoredEvent], viewer: Viewer?) async throws -> [JSONObject] {
        let related = try await store.events(nids: Array(Set(events.flatMap { [$0.redactedBy, $0.replacesNid].compactMap { $0 } })))
        let senders = Set(events.map(\.sender)).union(related.values.map(\.sender))
        let erased = events.isEmpty ? [] : try await store.erasedSenders(senders, roomNid: roomNid,
                                                                         hiddenFrom: viewer?.userId)
        var txnIds: [Int64: String] = [:]
        var memberships = MembershipHistory(changes: [])
        if let viewer {
            txnIds = try await store.transactionIds(eventNids: events.map(\.nid), userNid: viewer.userNid,
                                                    deviceId: viewer.deviceId)
            if let roomNid = events.first?.roomNid {
                memberships = MembershipHistory(changes: try await store.membershipChanges(of: viewer.userId,
                                                                                           roomNid: roomNid))
            }
        }
        var result: [JSONObject] = []
        result.reserveCapacity(events.count)
        for event in events {
            let redaction = event.redactedBy.flatMap { related[$0] }
            var json = try await format(event, redactedBecause: redaction,
                                        redacted: erased.contains(event.sender) ? true : nil,
                                        redactionErased: redaction.map { erased.contains($0.sender) } ?? false)
            var unsigned = json["unsigned"]?.objectValue ?? [:]
            if let replaced = event.replacesNid.flatMap({ related[$0] }) {
                let previous = try await format(replaced, redactedBecause: nil,
                                                redacted: replaced.redactedBy != nil || erased.contains(replaced.sender))
                unsigned["prev_content"] = previous["content"]
                unsigned["prev_sender"] = .string(replaced.sender)
                unsigned["replaces_state"] = .string(replaced.eventId)
            }
            if let txn = txnIds[event.nid] { unsigned["transaction_id"] = .string(txn) }
            if viewer != nil { unsigned["membership"] = .string(memberships.membership(at: event)) }
            json["unsigned"] = .object(unsigned)
            result.append(json)
        }
        return result
    }

    /// One event without the lookups `serialize` batches. `redacted` overrides whether it is served
    /// redacted (an erased sender's event is, with no `redacted_because`); `redactionErased` serves the
    /// redaction in `redacted_because` redacted.
    private func format(_ event: StoredEvent, redactedBecause: StoredEvent?, redacted: Bool? = nil,
                        redactionErased: Bool = false) async throws -> JSONObject
    {
        let pdu = try await loader.pdu(event)
        var source = pdu.json
        let isRedacted = redacted ?? (redactedBecause != nil)
        if isRedacted { source = Redaction.redact(source, roomVersion: pdu.roomVersion) }
        var json: JSONObject = [
            "type": .string(pdu.type), "event_id": .string(pdu.eventId), "sender": .string(pdu.sender),
            "origin_server_ts": .int(pdu.originServerTs), "content": source["content"] ?? .object([:]),
        ]
        if let roomId = pdu.resolvedRoomId { json["room_id"] = .string(roomId) }
        if let stateKey = pdu.stateKey { json["state_key"] = .string(stateKey) }
        if pdu.type == "m.room.redaction", !isRedacted, let redacts = pdu.redacts {
            // Room version 11 moved `redacts` into content; clients of older versions read it at the top.
            json["redacts"] = .string(redacts)
        }
        var unsigned: JSONObject = ["age": .int(max(0, nowMs - pdu.originServerTs))]
        if let redactedBecause {
            unsigned["redacted_because"] = .object(try await format(redactedBecause, redactedBecause: nil,
                                                                    redacted: redactionErased))
        }
        json["unsigned"] = .object(unsigned)
        return json
    }
}

/// A user's membership changes in one room in stream order, to say what their membership was at an event.
struct MembershipHistory {
    let changes: [(streamPos: Int64, membership: String)]

    /// The membership after the last change at or before the event (the event's own change included);
    /// `leave` before any, as the spec asks.
    func membership(at event: StoredEvent) -> String {
        guard let position = event.streamPos else { return changes.last?.membership ?? "leave" }
        var low = 0
        var high = changes.count
        while low < high {
            let middle = (low + high) / 2
            if changes[middle].streamPos <= position { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? "leave" : changes[low - 1].membership
    }
}
