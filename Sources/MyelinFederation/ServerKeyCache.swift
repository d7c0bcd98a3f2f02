import MyelinStorage

/// Remote verify keys in memory, least recently used dropped first, bounded by an estimate of their
/// bytes (`FederationSettings.keyCacheBytes`). Owned by `RemoteServerKeys`, which serialises access.
struct ServerKeyCache {
    private struct Slot: Hashable {
        let server: String
        let keyId: String
    }

    private struct Entry {
        let key: StoredServerKey
        let cost: Int
        var lastUse: UInt64
    }

    let capacityBytes: Int
    private var entries: [Slot: Entry] = [:]
    private(set) var usedBytes = 0
    private var clock: UInt64 = 0

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    var count: Int { entries.count }

    mutating func get(server: String, keyId: String) -> StoredServerKey? {
        let slot = Slot(server: server, keyId: keyId)
        guard var entry = entries[slot] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[slot] = entry
        return entry.key
    }

    /// Adds or replaces the entry for the key's server and ID.
    mutating func put(_ key: StoredServerKey) {
        let slot = Slot(server: key.serverName, keyId: key.keyId)
        // Two strings (their bytes plus String and dictionary overhead), the key bytes, the numbers.
        let cost = 2 * (key.serverName.utf8.count + key.keyId.utf8.count) + key.publicKey.count + 160
        if let old = entries.removeValue(forKey: slot) { usedBytes -= old.cost }
        guard cost <= capacityBytes else { return }
        clock += 1
        entries[slot] = Entry(key: key, cost: cost, lastUse: clock)
        usedBytes += cost
        if usedBytes > capacityBytes { evict() }
    }

    /// Drops the least recently used quarter (one sort per many insertions), and more until it fits.
    private mutating func evict() {
        let sorted = entries.sorted { $0.value.lastUse < $1.value.lastUse }
        var dropped = 0
        for (slot, entry) in sorted {
            guard dropped < max(1, sorted.count / 4) || usedBytes > capacityBytes else { break }
            entries[slot] = nil
            usedBytes -= entry.cost
            dropped += 1
        }
    }
}
