/// The "device list changed" hook: whenever a user's device or cross-signing keys change, their user ID
/// is sent to every observer. Sync will turn these into `device_lists.changed`; nothing is persisted here.
public actor DeviceListChanges {
    private var observers: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextObserver = 0

    public init() {}

    /// A stream of user IDs whose device list changed, from now on. Ends when the caller drops it.
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
