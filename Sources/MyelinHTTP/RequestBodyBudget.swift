import MatrixCore

/// The memory all request bodies being read at once may take, drawn from `memory_budget_mb`. A body
/// reserves its bytes before they are buffered (the declared `Content-Length` at once, a chunked body
/// chunk by chunk) and gives them back when its request ends. A request that does not fit waits a
/// little for others to finish, then gets 503 `M_LIMIT_EXCEEDED` with `Retry-After`: many slow or
/// unfinished bodies cost the server this budget, never more.
public actor RequestBodyBudget {
    public nonisolated let capacity: Int
    private let maxWait: Duration
    private var inUse = 0
    private var waiters: [Waiter] = []
    private var nextWaiter = 0

    private struct Waiter {
        let id: Int
        let bytes: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    public init(capacity: Int, maxWait: Duration = .seconds(2)) {
        self.capacity = max(1, capacity)
        self.maxWait = maxWait
    }

    /// Bytes reserved now (for benchmarks and tests).
    public var reserved: Int { inUse }

    /// Reserves `bytes`, waiting up to `maxWait` for room; throws the 503 when there is none.
    public func reserve(_ bytes: Int) async throws(MatrixError) {
        guard bytes > 0 else { return }
        // Waiters go first, in order, so a large body is not starved by a stream of small ones.
        if waiters.isEmpty, inUse + bytes <= capacity {
            inUse += bytes
            return
        }
        guard bytes <= capacity else { throw Self.busy(retryAfterMs: 1000) }
        nextWaiter += 1
        let id = nextWaiter
        let wait = maxWait
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
            Task {
                try? await Task.sleep(for: wait)
                await self.expire(id)
            }
        }
        if !granted { throw Self.busy(retryAfterMs: 1000) }
    }

    /// Gives back bytes a finished request reserved, and lets waiting requests in.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        inUse = max(0, inUse - bytes)
        while let first = waiters.first, inUse + first.bytes <= capacity {
            waiters.removeFirst()
            inUse += first.bytes
            first.continuation.resume(returning: true)
        }
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }

    /// 503 rather than 429: the server is busy, not this client too quick (Synapse answers 503 as well
    /// when overloaded); clients retry either after `Retry-After`.
    static func busy(retryAfterMs: Int64) -> MatrixError {
        MatrixError("M_LIMIT_EXCEEDED", "The server is busy reading other requests; retry shortly", status: 503,
                    extra: ["retry_after_ms": .int(retryAfterMs)])
    }
}
