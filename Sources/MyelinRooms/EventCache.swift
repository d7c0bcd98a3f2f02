import MatrixCore

/// Parsed events by ID, least recently used dropped first, bounded by an estimate of their memory
/// (three times their JSON size). Sized from the memory budget.
actor EventCache {
    private struct Entry {
        let pdu: PDU
        let cost: Int
        var lastUse: UInt64
    }

    private let capacityBytes: Int
    private var entries: [String: Entry] = [:]
    private var usedBytes = 0
    private var clock: UInt64 = 0

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    func get(_ eventId: String) -> PDU? {
        guard var entry = entries[eventId] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[eventId] = entry
        return entry.pdu
    }

    /// Several at once: one hop onto the actor instead of one per event.
    func get(_ eventIds: [String]) -> [String: PDU] {
        var found: [String: PDU] = [:]
        for id in eventIds { if let pdu = get(id) { found[id] = pdu } }
        return found
    }

    func put(_ pdu: PDU, jsonBytes: Int) {
        let cost = jsonBytes * 3 + 200
        guard cost <= capacityBytes / 4, entries[pdu.eventId] == nil else { return }
        clock += 1
        entries[pdu.eventId] = Entry(pdu: pdu, cost: cost, lastUse: clock)
        usedBytes += cost
        if usedBytes > capacityBytes { evict() }
    }

    /// Drops the least recently used quarter of the entries (one sort per many insertions).
    private func evict() {
        let sorted = entries.sorted { $0.value.lastUse < $1.value.lastUse }
        for (id, entry) in sorted.prefix(max(1, sorted.count / 4)) {
            entries[id] = nil
            usedBytes -= entry.cost
        }
    }

    /// Forgets an event whose stored form changed (redaction pruning).
    func remove(_ eventId: String) {
        if let entry = entries.removeValue(forKey: eventId) { usedBytes -= entry.cost }
    }
}
