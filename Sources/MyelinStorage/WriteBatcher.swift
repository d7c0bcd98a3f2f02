import GRDB

/// The single writer. Writes that arrive while a transaction is in flight are queued and then committed
/// together in ONE transaction (group commit): on an SD card the fsync at commit is the slowest thing in
/// the box, so a burst of N writes costs one fsync instead of N. Each write runs in its own savepoint, so a
/// failing write is rolled back alone and the others in its batch still commit. A caller is resumed only
/// after the transaction holding its write has committed: an acknowledged write is durable (WAL +
/// synchronous=NORMAL survives a process kill; see the crash test).
actor WriteBatcher {
    private struct PendingWrite: Sendable {
        /// Runs the write inside the batch transaction; returns what to do once the batch committed.
        let run: @Sendable (Database) -> @Sendable () -> Void
        /// Called instead when the batch as a whole failed to commit.
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private var queue: [PendingWrite] = []
    private var draining = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Bounds one transaction so a flood of writes cannot hold the write lock for long.
    private let maxBatch = 256

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.append(PendingWrite(
                run: { db in
                    var outcome: Result<T, any Error> = .failure(CancellationError())
                    do {
                        try db.inSavepoint {
                            outcome = .success(try body(db))
                            return .commit
                        }
                    } catch {
                        outcome = .failure(error)
                    }
                    let finished = outcome
                    return { continuation.resume(with: finished) }
                },
                fail: { continuation.resume(throwing: $0) }
            ))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    /// Waits until every queued write has been committed (or failed).
    func flush() async {
        guard draining else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            do {
                let completions = try await pool.write { db in batch.map { $0.run(db) } }
                for complete in completions { complete() }
            } catch {
                for write in batch { write.fail(error) }
            }
        }
        draining = false
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
