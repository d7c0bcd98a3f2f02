/// Whether an `mxc://` URI has its content yet (`POST /media/v1/create` makes a pending one).
public enum MediaStatus: String, Sendable {
    case pending
    case complete
}

/// One `mxc://` URI as stored: the content columns are nil while it is pending.
public struct MediaRecord: Sendable, Equatable {
    public let serverName: String
    public let mediaId: String
    /// The local uploader (or creator, while pending); nil for remote media.
    public let ownerNid: Int64?
    public let status: MediaStatus
    public let contentType: String?
    public let uploadName: String?
    /// Lower-case hex SHA-256 of the content: the name of its file.
    public let sha256: String?
    public let size: Int64?
    public let createdTs: Int64
    public let uploadedTs: Int64?
    /// When a pending ID lapses if no content arrives; nil once complete.
    public let expiresTs: Int64?
    /// The content arrived while the unauthenticated legacy routes were not frozen.
    public let legacyVisible: Bool

    public init(serverName: String, mediaId: String, ownerNid: Int64?, status: MediaStatus, contentType: String?,
                uploadName: String?, sha256: String?, size: Int64?, createdTs: Int64, uploadedTs: Int64?,
                expiresTs: Int64?, legacyVisible: Bool) {
        self.serverName = serverName
        self.mediaId = mediaId
        self.ownerNid = ownerNid
        self.status = status
        self.contentType = contentType
        self.uploadName = uploadName
        self.sha256 = sha256
        self.size = size
        self.createdTs = createdTs
        self.uploadedTs = uploadedTs
        self.expiresTs = expiresTs
        self.legacyVisible = legacyVisible
    }
}

/// The content half of a media row, written when the bytes are on disk.
public struct MediaContentRecord: Sendable, Equatable {
    public let contentType: String
    public let uploadName: String?
    public let sha256: String
    public let size: Int64

    public init(contentType: String, uploadName: String?, sha256: String, size: Int64) {
        self.contentType = contentType
        self.uploadName = uploadName
        self.sha256 = sha256
        self.size = size
    }
}

/// A cached thumbnail of one media item, keyed by the size, method and animation it was made for.
public struct ThumbnailRecord: Sendable, Equatable {
    public let serverName: String
    public let mediaId: String
    public let width: Int
    public let height: Int
    public let method: String
    public let animated: Bool
    public let contentType: String
    public let sha256: String
    public let size: Int64
    public let createdTs: Int64

    public init(serverName: String, mediaId: String, width: Int, height: Int, method: String, animated: Bool,
                contentType: String, sha256: String, size: Int64, createdTs: Int64) {
        self.serverName = serverName
        self.mediaId = mediaId
        self.width = width
        self.height = height
        self.method = method
        self.animated = animated
        self.contentType = contentType
        self.sha256 = sha256
        self.size = size
        self.createdTs = createdTs
    }
}

/// What inserting uploaded content came to.
public enum MediaInsertOutcome: Sendable, Equatable {
    case stored
    /// The owner's complete media would pass the quota; `usedBytes` is what they hold now.
    case quotaExceeded(usedBytes: Int64)
    /// The media ID exists already (a collision of random IDs, or a remote item cached twice).
    case idTaken
}

/// What creating a pending media ID came to.
public enum MediaCreateOutcome: Sendable, Equatable {
    case created
    /// The user holds `maxPending` unexpired pending IDs; the earliest lapses at `earliestExpiryTs`.
    case tooManyPending(earliestExpiryTs: Int64)
    case idTaken
}

/// What supplying the content of a pending media ID came to.
public enum MediaCompleteOutcome: Sendable, Equatable {
    case completed
    /// No such ID, or it lapsed unused.
    case notFound
    case notOwner
    case alreadyUploaded
    case quotaExceeded(usedBytes: Int64)
}
