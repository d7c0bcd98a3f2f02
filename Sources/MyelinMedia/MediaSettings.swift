/// The media repository's configuration (the `[media]` section).
public struct MediaSettings: Sendable {
    /// This server's name: media under it is local, anything else is remote.
    public var serverName: String
    /// Where content files go: `<directory>/<first 2 hex>/<sha256 hex>`.
    public var directory: String
    /// The largest upload accepted (and advertised as `m.upload.size`).
    public var maxUploadBytes: Int
    /// Bytes of complete media one user may hold; nil for no quota.
    public var userQuotaBytes: Int64?
    /// Unauthenticated `/_matrix/media/v3` downloads serve only media uploaded while this was off.
    public var freezeLegacyRoutes: Bool
    /// How long an ID from `POST /media/v1/create` waits for its content.
    public var pendingLifetimeMs: Int64
    /// Unexpired pending IDs one user may hold at once.
    public var maxPendingPerUser: Int
    /// The largest image (width × height) the thumbnailer is asked to decode.
    public var maxThumbnailPixels: Int
    /// The longest a download waits for pending content (`timeout_ms` is clamped to this).
    public var maxDownloadWaitMs: Int
    /// Make the standard thumbnail sizes of each new image right after upload (Synapse does by default);
    /// off, every size is made when first asked for.
    public var pregenerateThumbnails = true

    public init(serverName: String, directory: String, maxUploadBytes: Int = 50 << 20,
                userQuotaBytes: Int64? = 1 << 30, freezeLegacyRoutes: Bool = false,
                pendingLifetimeMs: Int64 = 86_400_000, maxPendingPerUser: Int = 10,
                maxThumbnailPixels: Int = 32_000_000, maxDownloadWaitMs: Int = 20_000) {
        self.serverName = serverName
        self.directory = directory
        self.maxUploadBytes = maxUploadBytes
        self.userQuotaBytes = userQuotaBytes
        self.freezeLegacyRoutes = freezeLegacyRoutes
        self.pendingLifetimeMs = pendingLifetimeMs
        self.maxPendingPerUser = maxPendingPerUser
        self.maxThumbnailPixels = maxThumbnailPixels
        self.maxDownloadWaitMs = maxDownloadWaitMs
    }
}
