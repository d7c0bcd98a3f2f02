/// Fans one stream's change notices out to whoever listens (sync's notifier). Each listener has a
/// bounded buffer: one that falls behind loses the oldest notices and must catch up by stream position,
/// which sync does anyway. Nothing is persisted here.
public actor ChangeFeed<Change: Sendable> {
    private var listeners: [Int: AsyncStream<Change>.Continuation] = [:]
    private var nextListener = 0

    public init() {}

    /// The notices from now on. Ends when the caller drops the stream or the feed finishes.
    public func subscribe(bufferSize: Int = 256) -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let id = nextListener
        nextListener += 1
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        return stream
    }

    func send(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        for continuation in listeners.values {
            for change in changes { continuation.yield(change) }
        }
    }

    /// Ends every listener's stream (server shutdown).
    func finish() {
        for continuation in listeners.values { continuation.finish() }
        listeners = [:]
    }

    private func remove(_ id: Int) {
        listeners[id] = nil
    }
}
