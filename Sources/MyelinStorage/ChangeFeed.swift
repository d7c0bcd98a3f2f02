/// A broadcast of "this changed" notices (a user, a room, a receipt) to every current listener, for
/// waking long-polling syncs. Each listener has a bounded buffer: one that falls behind loses the
/// oldest notices and catches up by stream position, which sync does anyway. Nothing is persisted.
public actor ChangeFeed<Element: Sendable> {
    private var listeners: [Int: AsyncStream<Element>.Continuation] = [:]
    private var next = 0

    public init() {}

    /// The notices from now on. Ends when the caller drops the stream or the feed finishes.
    public func subscribe(bufferSize: Int = 1024) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        next += 1
        let id = next
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.remove(id) } }
        return stream
    }

    public func publish(_ value: Element) {
        for continuation in listeners.values { continuation.yield(value) }
    }

    public func send(_ values: [Element]) {
        for value in values { publish(value) }
    }

    /// Ends every listener's stream (server shutdown).
    public func finish() {
        for continuation in listeners.values { continuation.finish() }
        listeners = [:]
    }

    private func remove(_ id: Int) { listeners[id] = nil }
}
