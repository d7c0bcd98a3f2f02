import MatrixCore
import MyelinStorage

/// Parsed events by ID through the cache, for the auth rules and state resolution. Resolution asks
/// for events one at a time, so a large room's events stream through the bounded cache instead of
/// being loaded together.
struct RoomEventLoader: StateResolutionLookup {
    let store: RoomEventStore
    let cache: EventCache
    let roomVersion: RoomVersion

    func event(_ id: String) async throws -> PDU? {
        if let cached = await cache.get(id) { return cached }
        guard let stored = try await store.event(id: id) else { return nil }
        return try await pdu(stored)
    }

    func isRejected(_ id: String) async throws -> Bool {
        try await store.event(id: id)?.status == .rejected
    }

    /// The PDU of a stored event (its stored form: redacted once pruned).
    func pdu(_ stored: StoredEvent) async throws -> PDU {
        if let cached = await cache.get(stored.eventId) { return cached }
        let pdu = try Self.parse(stored, roomVersion: roomVersion)
        await cache.put(pdu, jsonBytes: stored.json.count)
        return pdu
    }

    static func parse(_ stored: StoredEvent, roomVersion: RoomVersion) throws -> PDU {
        guard case .object(let json) = try JSONParser.parse(stored.json) else {
            throw StorageError.corrupt("event \(stored.eventId) is not a JSON object")
        }
        return PDU(eventId: stored.eventId, roomVersion: roomVersion, json: json)
    }

    /// The events of a state map, keyed by tuple (missing events left out).
    func events(of state: [StateTuple: String]) async throws -> [StateTuple: PDU] {
        var result: [StateTuple: PDU] = [:]
        var missing: [(StateTuple, String)] = []
        let cached = await cache.get(Array(state.values))
        for (tuple, id) in state {
            if let pdu = cached[id] { result[tuple] = pdu } else { missing.append((tuple, id)) }
        }
        if !missing.isEmpty {
            let stored = try await store.events(ids: missing.map(\.1))
            for (tuple, id) in missing {
                guard let event = stored[id] else { continue }
                result[tuple] = try await pdu(event)
            }
        }
        return result
    }
}
