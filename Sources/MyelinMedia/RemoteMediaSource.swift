/// Content fetched from another homeserver's media repository.
public struct RemoteMediaContent: Sendable {
    public let contentType: String?
    public let fileName: String?
    public let bytes: [UInt8]

    public init(contentType: String?, fileName: String?, bytes: [UInt8]) {
        self.contentType = contentType
        self.fileName = fileName
        self.bytes = bytes
    }
}

/// Fetches media whose server name is not ours (federation's `/_matrix/federation/v1/media/download`
/// will satisfy this). Until one is wired, remote media answers 404 M_NOT_FOUND.
public protocol RemoteMediaSource: Sendable {
    /// The content, or nil when the origin has no such media. Must refuse more than `maxBytes`.
    func fetch(serverName: String, mediaId: String, maxBytes: Int, timeoutMs: Int) async throws -> RemoteMediaContent?
}
