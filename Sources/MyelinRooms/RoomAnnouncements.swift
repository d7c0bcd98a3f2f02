import MatrixCore

/// An event the pipeline accepted into a room's timeline, in stream order.
public struct RoomAnnouncement: Sendable {
    public let roomId: String
    public let event: PDU
    public let streamPos: Int64
}

/// Fans accepted events out to whoever listens (sync, later federation sending and push). Listeners
/// get a bounded buffer: a listener that falls behind loses the oldest announcements and must catch
/// up from storage by stream position, which sync does anyway.
public final class RoomAnnouncements: Sendable {
    private let listeners = ListenerSet()

    public init() {}

    public func subscribe(bufferSize: Int = 256) async -> AsyncStream<RoomAnnouncement> {
        let (stream, continuation) = AsyncStream<RoomAnnouncement>.makeStream(
            bufferingPolicy: .bufferingNewest(bufferSize))
        let id = await listeners.add(continuation)
        continuation.onTermination = { [listeners] _ in Task { await listeners.remove(id) } }
        return stream
    }

    func announce(_ announcement: RoomAnnouncement) async {
        await listeners.send(announcement)
    }

    private actor ListenerSet {
        private var next = 0
        private var continuations: [Int: AsyncStream<RoomAnnouncement>.Continuation] = [:]

        func add(_ continuation: AsyncStream<RoomAnnouncement>.Continuation) -> Int {
            next += 1
            continuations[next] = continuation
            return next
        }

        func remove(_ id: Int) { continuations[id] = nil }

        func send(_ announcement: RoomAnnouncement) {
            for continuation in continuations.values { continuation.yield(announcement) }
        }
    }
}
