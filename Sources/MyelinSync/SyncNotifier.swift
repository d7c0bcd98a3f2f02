/// Wakes exactly the long-polling `/sync` requests of the users a change concerns; nothing polls.
/// A request registers before it checks for news, so a change that lands between its check and its
/// wait still wakes it. Timeouts share one sleeping task (set for the earliest deadline), not one each:
/// a thousand idle long-polls hold a thousand continuations and nothing more.
public actor SyncNotifier {
    public struct Ticket: Sendable, Hashable {
        let id: Int
    }

    private enum Slot {
        case pending
        case fired
        case waiting(CheckedContinuation<Void, Never>, deadline: ContinuousClock.Instant)
    }

    private var slots: [Int: Slot] = [:]
    private var byUserNid: [Int64: Set<Int>] = [:]
    private var byUserId: [String: Set<Int>] = [:]
    private var owners: [Int: (Int64, String)] = [:]
    private var next = 0
    private var timer: Task<Void, Never>?
    private var timerDeadline: ContinuousClock.Instant?

    public init() {}

    /// How many requests are waiting (for figures and tests).
    public var waitingCount: Int { slots.count }

    /// Nobody waits: callers skip asking storage whom a change concerns.
    public var isIdle: Bool { slots.isEmpty }

    /// The user IDs with a waiting request (to ask storage which of them share a room with someone).
    public var waitingUserIds: Set<String> { Set(byUserId.keys) }

    public func register(userNid: Int64, userId: String) -> Ticket {
        next += 1
        slots[next] = .pending
        owners[next] = (userNid, userId)
        byUserNid[userNid, default: []].insert(next)
        byUserId[userId, default: []].insert(next)
        return Ticket(id: next)
    }

    /// Returns when the ticket is fired, after `timeout`, or when the calling task is cancelled (its
    /// client went away), whichever is first; then forgets it.
    public func wait(_ ticket: Ticket, timeout: Duration) async {
        guard let slot = slots[ticket.id] else { return }
        if case .fired = slot {
            remove(ticket.id)
            return
        }
        let deadline = ContinuousClock.now + timeout
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled {
                    continuation.resume()
                    return
                }
                slots[ticket.id] = .waiting(continuation, deadline: deadline)
                scheduleTimer(at: deadline)
            }
        } onCancel: {
            Task { await self.fire(ticket.id) }
        }
        remove(ticket.id)
    }

    /// Makes the shared timer wake by `deadline` (an earlier pending wake-up stays).
    private func scheduleTimer(at deadline: ContinuousClock.Instant) {
        if let pending = timerDeadline, pending <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            guard !Task.isCancelled else { return }
            await self?.expire()
        }
    }

    /// Wakes the waits whose deadline passed and sets the timer for the next one.
    private func expire() {
        timer = nil
        timerDeadline = nil
        let now = ContinuousClock.now
        var earliest: ContinuousClock.Instant?
        for (id, slot) in slots {
            guard case .waiting(_, let deadline) = slot else { continue }
            if deadline <= now {
                fire(id)
            } else if earliest.map({ deadline < $0 }) ?? true {
                earliest = deadline
            }
        }
        if let earliest { scheduleTimer(at: earliest) }
    }

    /// Forgets a ticket that will not wait (there was news already).
    public func cancel(_ ticket: Ticket) { remove(ticket.id) }

    public func notify(userNid: Int64) {
        for id in byUserNid[userNid] ?? [] { fire(id) }
    }

    public func notify(userIds: some Sequence<String>) {
        for userId in userIds { for id in byUserId[userId] ?? [] { fire(id) } }
    }

    private func fire(_ id: Int) {
        switch slots[id] {
        case .pending: slots[id] = .fired
        case .waiting(let continuation, _):
            slots[id] = .fired
            continuation.resume()
        case .fired, nil: break
        }
    }

    private func remove(_ id: Int) {
        if case .waiting(let continuation, _) = slots[id] { continuation.resume() }
        slots[id] = nil
        if let (nid, userId) = owners.removeValue(forKey: id) {
            byUserNid[nid]?.remove(id)
            if byUserNid[nid]?.isEmpty == true { byUserNid[nid] = nil }
            byUserId[userId]?.remove(id)
            if byUserId[userId]?.isEmpty == true { byUserId[userId] = nil }
        }
    }
}
