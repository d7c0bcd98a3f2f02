/// At most one pending wake-up at a wall-clock time, as a single sleeping task, so an owner can expire
/// things (typing notices, presence) without a polling loop. Asking for an earlier time replaces the
/// pending one; a later time leaves it, since the owner schedules its next deadline whenever it wakes.
/// Owners also expire lazily against their clock on every read, so a wake-up only matters for telling
/// listeners promptly (and tests with a manual clock need none).
struct WakeTimer {
    private var task: Task<Void, Never>?
    private var deadline: Int64?

    mutating func schedule(at deadline: Int64?, now: Int64, _ wake: @escaping @Sendable () async -> Void) {
        guard let deadline else {
            cancel()
            return
        }
        if let pending = self.deadline, pending <= deadline, task != nil { return }
        task?.cancel()
        self.deadline = deadline
        let delay = max(0, deadline - now)
        task = Task {
            do { try await Task.sleep(for: .milliseconds(delay)) } catch { return }
            await wake()
        }
    }

    /// The owner's wake-up ran: nothing is pending any more.
    mutating func fired() {
        task = nil
        deadline = nil
    }

    mutating func cancel() {
        task?.cancel()
        task = nil
        deadline = nil
    }
}
