/// The "account data changed" hook: after each write to a user's account data (through the account
/// data endpoints, room tags, and whatever else writes it), the user's ID is sent to every observer.
/// Sync wakes that user's waiting requests and reads the changes from the account data stream
/// (`AccountDataStore.changes`); nothing is persisted here.
public actor AccountDataChanges {
    private var observers: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextObserver = 0

    public init() {}

    /// A stream of user IDs whose account data changed, from now on. Ends when the caller drops it.
    public func changes() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = nextObserver
        nextObserver += 1
        observers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        return stream
    }

    public func notify(_ userId: String) {
        for continuation in observers.values { continuation.yield(userId) }
    }

    private func remove(_ id: Int) {
        observers[id] = nil
    }
}
