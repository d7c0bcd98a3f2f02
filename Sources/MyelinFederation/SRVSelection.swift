/// Choosing the one SRV record to connect to (RFC 2782): the lowest priority, then a random pick
/// weighted by `weight`.
enum SRVSelection {
    /// The chosen record, or nil when the answer offers no usable target (only "." or port 0): the
    /// service is not provided there.
    /// - Parameter random: a uniform integer in the given range (injected so tests can steer it).
    static func choose(_ records: [SRVRecord], random: (ClosedRange<Int>) -> Int) -> SRVRecord? {
        let usable = records.filter { !$0.isNoService && (1...65535).contains($0.port) }
        guard let best = usable.map(\.priority).min() else { return nil }
        let candidates = usable.filter { $0.priority == best }
        let total = candidates.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else {
            let index = random(0...(candidates.count - 1))
            return candidates[min(max(index, 0), candidates.count - 1)]
        }
        // Drawn from 1...total, as Synapse does, not RFC 2782's 0...total: a weight-0 record is then
        // never picked while a weighted one is present (the RFC would give it 1 in total + 1).
        var remaining = random(1...total)
        for candidate in candidates {
            remaining -= max(0, candidate.weight)
            if remaining <= 0 { return candidate }
        }
        return candidates.last
    }
}
