/// Servers that recently failed us, each until a deadline, so a dead server is not asked again at once.
/// Bounded: when full, expired entries go first, then those ending soonest.
struct FailureMemory {
    let capacity: Int
    private var until: [String: Int64] = [:]

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { until.count }

    /// The deadline while `server` is remembered as failing at `nowMs`.
    mutating func failing(_ server: String, nowMs: Int64) -> Int64? {
        guard let deadline = until[server] else { return nil }
        if deadline > nowMs { return deadline }
        until[server] = nil
        return nil
    }

    mutating func remember(_ server: String, untilMs: Int64, nowMs: Int64) {
        if until[server] == nil, until.count >= capacity {
            until = until.filter { $0.value > nowMs }
            if until.count >= capacity {
                for (name, _) in until.sorted(by: { $0.value < $1.value }).prefix(max(1, capacity / 4)) {
                    until[name] = nil
                }
            }
        }
        until[server] = untilMs
    }

    mutating func forget(_ server: String) {
        until[server] = nil
    }
}
