/// What a download or thumbnail request serves: the file and the headers that describe it.
public struct MediaDownload: Sendable {
    public let file: MediaFile
    public let contentType: String
    /// The full `Content-Disposition` value.
    public let contentDisposition: String
}

/// Who is asking for media: the authenticated client API, or the deprecated unauthenticated routes
/// (which a freeze limits to media uploaded before it).
public enum MediaAccess: Sendable {
    case authenticated
    case legacy
}

/// An `mxc://` URI.
public struct MXCURI: Sendable, Equatable, CustomStringConvertible {
    public let serverName: String
    public let mediaId: String

    public var description: String { "mxc://\(serverName)/\(mediaId)" }
}
