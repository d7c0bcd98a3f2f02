/// A local user's new displayname and avatar_url, after either changed.
public struct ProfileUpdate: Sendable, Equatable {
    public let userId: String
    public let displayname: String?
    public let avatarURL: String?

    public init(userId: String, displayname: String?, avatarURL: String?) {
        self.userId = userId
        self.displayname = displayname
        self.avatarURL = avatarURL
    }
}

/// The "profile changed" hook: presence (which the spec says carries displayname and avatar_url) and
/// later federation listen here. Observers get a bounded buffer; nothing is persisted, since the member
/// events the change sends are the durable record.
public actor ProfileUpdates {
    private var observers: [Int: AsyncStream<ProfileUpdate>.Continuation] = [:]
    private var nextObserver = 0

    public init() {}

    /// Updates from now on. Ends when the caller drops the stream.
    public func subscribe() -> AsyncStream<ProfileUpdate> {
        let (stream, continuation) = AsyncStream<ProfileUpdate>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = nextObserver
        nextObserver += 1
        observers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        return stream
    }

    func notify(_ update: ProfileUpdate) {
        for continuation in observers.values { continuation.yield(update) }
    }

    private func remove(_ id: Int) {
        observers[id] = nil
    }
}
