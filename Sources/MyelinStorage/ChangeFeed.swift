/// A broadcast of "this changed" values (a user, a room) to every current listener, for waking
/// long-polling syncs. Nothing is kept: a listener that is not there misses nothing it needs, because
/// sync always reads the changes themselves from storage by stream position.
public actor ChangeFeed<Element: Sendable> {
    private var listeners: [Int: AsyncStream<Element>.Continuation] = [:]
    private var next = 0

    public init() {}

    public func subscribe() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        next += 1
        let id = next
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.remove(id) } }
        return stream
    }

    public func publish(_ value: Element) {
        for continuation in listeners.values { continuation.yield(value) }
    }

    private func remove(_ id: Int) { listeners[id] = nil }
}
