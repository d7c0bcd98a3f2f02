/// Wakes exactly the long-polling `/sync` requests of the users a change concerns; nothing polls.
/// A request registers before it checks for news, so a change that lands between its check and its
/// wait still wakes it.
public actor SyncNotifier {
    public struct Ticket: Sendable, Hashable {
        let id: Int
    }

    private enum Slot {
        case pending
        case fired
        case waiting(CheckedContinuation<Void, Never>, Task<Void, Never>)
    }

    private var slots: [Int: Slot] = [:]
    private var byUserNid: [Int64: Set<Int>] = [:]
    private var byUserId: [String: Set<Int>] = [:]
    private var owners: [Int: (Int64, String)] = [:]
    private var next = 0

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

    /// Returns when the ticket is fired or after `timeout`, whichever is first; then forgets it.
    public func wait(_ ticket: Ticket, timeout: Duration) async {
        guard let slot = slots[ticket.id] else { return }
        if case .fired = slot {
            remove(ticket.id)
            return
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.fire(ticket.id)
            }
            slots[ticket.id] = .waiting(continuation, timer)
        }
        remove(ticket.id)
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
        case .waiting(let continuation, let timer):
            slots[id] = .fired
            timer.cancel()
            continuation.resume()
        case .fired, nil: break
        }
    }

    private func remove(_ id: Int) {
        if case .waiting(let continuation, let timer) = slots[id] {
            timer.cancel()
            continuation.resume()
        }
        slots[id] = nil
        if let (nid, userId) = owners.removeValue(forKey: id) {
            byUserNid[nid]?.remove(id)
            if byUserNid[nid]?.isEmpty == true { byUserNid[nid] = nil }
            byUserId[userId]?.remove(id)
            if byUserId[userId]?.isEmpty == true { byUserId[userId] = nil }
        }
    }
}
