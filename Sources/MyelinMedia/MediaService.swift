import Logging
import MatrixCore
import MyelinStorage
import NIOCore

/// The media repository: uploads (direct and asynchronous), downloads, thumbnails, quotas. Plain Swift,
/// no HTTP: the routes decode requests and call this; tests may drive it directly.
public struct MediaService: Sendable {
    public let settings: MediaSettings
    public let records: MediaRecordStore
    public let store: MediaStore
    public let thumbnailer: (any Thumbnailing)?
    public let remote: (any RemoteMediaSource)?
    let nowMs: @Sendable () -> Int64
    let notifier: UploadNotifier
    let logger: Logger

    /// Prepares the content directory (removing temporary files and unreferenced content a crash left) and
    /// builds the service.
    public static func open(settings: MediaSettings, database: MyelinDatabase, nowMs: @escaping @Sendable () -> Int64,
                            thumbnailer: (any Thumbnailing)? = nil, remote: (any RemoteMediaSource)? = nil,
                            logger: Logger) async throws -> MediaService {
        let store = MediaStore(directory: settings.directory)
        let records = MediaRecordStore(database: database)
        let temporary = try await store.prepare()
        let orphans = try await store.sweepOrphans(referenced: try await records.referencedHashes())
        if temporary + orphans > 0 {
            logger.notice("media store cleaned up after an interrupted write", metadata: [
                "temporary_files": "\(temporary)", "unreferenced_files": "\(orphans)",
            ])
        }
        return MediaService(settings: settings, records: records, store: store, thumbnailer: thumbnailer,
                            remote: remote, nowMs: nowMs, notifier: UploadNotifier(), logger: logger)
    }

    init(settings: MediaSettings, records: MediaRecordStore, store: MediaStore, thumbnailer: (any Thumbnailing)?,
         remote: (any RemoteMediaSource)?, nowMs: @escaping @Sendable () -> Int64, notifier: UploadNotifier,
         logger: Logger) {
        self.settings = settings
        self.records = records
        self.store = store
        self.thumbnailer = thumbnailer
        self.remote = remote
        self.nowMs = nowMs
        self.notifier = notifier
        self.logger = logger
    }

    /// The same service with a thumbnailer (or a remote source) wired in.
    public func with(thumbnailer: (any Thumbnailing)?) -> MediaService {
        MediaService(settings: settings, records: records, store: store, thumbnailer: thumbnailer, remote: remote,
                     nowMs: nowMs, notifier: notifier, logger: logger)
    }

    public func with(remote: (any RemoteMediaSource)?) -> MediaService {
        MediaService(settings: settings, records: records, store: store, thumbnailer: thumbnailer, remote: remote,
                     nowMs: nowMs, notifier: notifier, logger: logger)
    }

    // MARK: Upload

    /// `POST /_matrix/media/v3/upload` with the content already in memory (URL preview images).
    public func upload(ownerNid: Int64, contentType: String?, fileName: String?, body: ByteBuffer) async throws
        -> MXCURI
    {
        try await upload(ownerNid: ownerNid, contentType: contentType, fileName: fileName,
                         declaredLength: body.readableBytes, chunks: OneChunk(buffer: body))
    }

    /// `POST /_matrix/media/v3/upload`: stores the content, streamed to disk as it arrives, under a new
    /// media ID. `declaredLength` (the request's `Content-Length`) lets too large an upload be refused
    /// before any of it is read.
    public func upload<Chunks: AsyncSequence & Sendable>(ownerNid: Int64, contentType: String?, fileName: String?,
                                                         declaredLength: Int?, chunks: Chunks) async throws -> MXCURI
    where Chunks.Element == ByteBuffer {
        let content = try await storeContent(ownerNid: ownerNid, contentType: contentType, fileName: fileName,
                                             declaredLength: declaredLength, chunks: chunks)
        return try await recording(content) {
            for _ in 0..<3 {
                let mediaId = MediaID.generate()
                let outcome = try await records.insertComplete(
                    serverName: settings.serverName, mediaId: mediaId, ownerNid: ownerNid, content: content,
                    nowMs: nowMs(), legacyVisible: !settings.freezeLegacyRoutes, quotaBytes: settings.userQuotaBytes)
                switch outcome {
                case .stored:
                    let uri = MXCURI(serverName: settings.serverName, mediaId: mediaId)
                    pregenerateThumbnails(of: uri, contentType: content.contentType)
                    return uri
                case .quotaExceeded(let used): throw quotaError(used: used, adding: content.size)
                case .idTaken: continue
                }
            }
            throw MatrixError("M_UNKNOWN", "Could not allocate a media ID", status: 500)
        }
    }

    /// `POST /_matrix/media/v1/create`: a media ID whose content comes later, and when it lapses unused.
    public func create(ownerNid: Int64) async throws -> (uri: MXCURI, unusedExpiresAt: Int64) {
        let now = nowMs()
        let expires = now + settings.pendingLifetimeMs
        for _ in 0..<3 {
            let mediaId = MediaID.generate()
            let outcome = try await records.createPending(
                serverName: settings.serverName, mediaId: mediaId, ownerNid: ownerNid, nowMs: now, expiresTs: expires,
                maxPending: settings.maxPendingPerUser)
            switch outcome {
            case .created:
                return (MXCURI(serverName: settings.serverName, mediaId: mediaId), expires)
            case .tooManyPending(let earliest):
                throw MatrixError.limitExceeded(retryAfterMs: max(1, earliest - now))
            case .idTaken:
                continue
            }
        }
        throw MatrixError("M_UNKNOWN", "Could not allocate a media ID", status: 500)
    }

    /// `PUT /_matrix/media/v3/upload/{serverName}/{mediaId}`: the content of a created ID, from its creator,
    /// once.
    public func uploadPending<Chunks: AsyncSequence & Sendable>(
        ownerNid: Int64, serverName: String, mediaId: String, contentType: String?, fileName: String?,
        declaredLength: Int?, chunks: Chunks
    ) async throws where Chunks.Element == ByteBuffer {
        try validate(serverName: serverName)
        guard serverName == settings.serverName, MediaID.isValid(mediaId),
            let existing = try await records.get(serverName: serverName, mediaId: mediaId)
        else { throw MatrixError.notFound("Unknown media ID \(mediaId)") }
        // Refuse before taking the bytes to disk when the answer cannot change.
        if existing.ownerNid != ownerNid { throw MatrixError.forbidden("Only the creator of \(mediaId) may upload to it") }
        if existing.status == .complete { throw Self.cannotOverwrite(mediaId) }
        if let expires = existing.expiresTs, expires <= nowMs() { throw MatrixError.notFound("Media ID \(mediaId) expired") }

        let content = try await storeContent(ownerNid: ownerNid, contentType: contentType, fileName: fileName,
                                             declaredLength: declaredLength, chunks: chunks)
        try await recording(content) {
            let outcome = try await records.completePending(
                serverName: serverName, mediaId: mediaId, ownerNid: ownerNid, content: content, nowMs: nowMs(),
                legacyVisible: !settings.freezeLegacyRoutes, quotaBytes: settings.userQuotaBytes)
            switch outcome {
            case .completed: return
            case .notFound: throw MatrixError.notFound("Unknown media ID \(mediaId)")
            case .notOwner: throw MatrixError.forbidden("Only the creator of \(mediaId) may upload to it")
            case .alreadyUploaded: throw Self.cannotOverwrite(mediaId)
            case .quotaExceeded(let used): throw quotaError(used: used, adding: content.size)
            }
        }
        await notifier.announce(Self.key(serverName, mediaId))
        pregenerateThumbnails(of: MXCURI(serverName: serverName, mediaId: mediaId), contentType: content.contentType)
    }

    /// Makes the spec's standard sizes of a new image in the background, as Synapse does, so the first
    /// client to ask does not wait; sizes asked for later are made on demand. A failure only stops the
    /// series (the on-demand path reports it to whoever asks).
    func pregenerateThumbnails(of uri: MXCURI, contentType: String?) {
        guard settings.pregenerateThumbnails, thumbnailer != nil, ContentTypePolicy.essence(of: contentType ?? "").hasPrefix("image/") else { return }
        let service = self
        Task.detached(priority: .background) {
            for spec in ThumbnailSpec.standard {
                do {
                    _ = try await service.thumbnail(
                        serverName: uri.serverName, mediaId: uri.mediaId, width: spec.width, height: spec.height,
                        method: spec.method, animated: false, access: .authenticated)
                } catch {
                    service.logger.debug("no standard thumbnails", metadata: ["media": "\(uri)", "error": "\(error)"])
                    return
                }
            }
        }
    }

    /// The public configuration (`GET /_matrix/client/v1/media/config`).
    public var maxUploadBytes: Int { settings.maxUploadBytes }

    // MARK: Download

    /// The content of `mxc://serverName/mediaId`, waiting up to `timeoutMs` (clamped) for pending content.
    /// `fileName` overrides the stored name in the disposition.
    public func download(serverName: String, mediaId: String, fileName: String? = nil, access: MediaAccess,
                         timeoutMs: Int? = nil) async throws -> MediaDownload {
        if let fileName { try validate(fileName: fileName) }
        let record = try await completeRecord(serverName: serverName, mediaId: mediaId, access: access,
                                              timeoutMs: timeoutMs)
        guard let sha256 = record.sha256, let size = record.size else {
            throw MatrixError.notFound("Media \(mediaId) has no content")
        }
        let contentType = record.contentType ?? ContentTypePolicy.octetStream
        let file = try await existingFile(sha256: sha256, size: size, mediaId: mediaId)
        return MediaDownload(
            file: file, contentType: contentType,
            contentDisposition: ContentDisposition.header(
                inline: ContentTypePolicy.isInline(contentType), fileName: fileName ?? record.uploadName))
    }

    /// A thumbnail of an image or video, made once per (media, size, method, animated) and then served
    /// from the cache. Needs a thumbnailer.
    public func thumbnail(serverName: String, mediaId: String, width: Int, height: Int, method: ThumbnailMethod,
                          animated: Bool, access: MediaAccess, timeoutMs: Int? = nil) async throws -> MediaDownload {
        guard let thumbnailer else { throw MatrixError.unrecognized("Thumbnails are not available on this server") }
        guard (1...10_000).contains(width), (1...10_000).contains(height) else {
            throw MatrixError.invalidParam("width and height must be from 1 to 10000")
        }
        let record = try await completeRecord(serverName: serverName, mediaId: mediaId, access: access,
                                              timeoutMs: timeoutMs)
        guard let sourceHash = record.sha256, let sourceSize = record.size else {
            throw MatrixError.notFound("Media \(mediaId) has no content")
        }
        let sourceType = ContentTypePolicy.essence(of: record.contentType ?? "")
        guard sourceType.hasPrefix("image/") || sourceType.hasPrefix("video/") else {
            throw MatrixError.unknown("Cannot generate thumbnails for \(sourceType.isEmpty ? "this content" : sourceType)")
        }
        let spec = ThumbnailSpec.snapped(width: width, height: height, method: method)
        if let cached = try await records.thumbnail(
            serverName: record.serverName, mediaId: record.mediaId, width: spec.width, height: spec.height,
            method: spec.method.rawValue, animated: animated),
            let size = try await store.size(of: cached.sha256), size == cached.size
        {
            return thumbnailDownload(sha256: cached.sha256, size: cached.size, contentType: cached.contentType)
        }
        let source = try await existingFile(sha256: sourceHash, size: sourceSize, mediaId: mediaId)
        let made: (contentType: String, bytes: [UInt8])
        do {
            made = try await thumbnailer.thumbnail(path: source.path, width: spec.width, height: spec.height,
                                                   method: spec.method, animated: animated)
        } catch let error as MatrixError {
            throw error
        } catch {
            logger.warning("thumbnailing failed", metadata: ["media": "\(record.mediaId)", "error": "\(error)"])
            throw MatrixError.unknown("Cannot generate a thumbnail for this content")
        }
        let contentType = ContentTypePolicy.storedType(declared: made.contentType, head: made.bytes.prefix(512))
        let stored = try await store.store(ByteBuffer(bytes: made.bytes))
        do {
            try await records.putThumbnail(ThumbnailRecord(
                serverName: record.serverName, mediaId: record.mediaId, width: spec.width, height: spec.height,
                method: spec.method.rawValue, animated: animated, contentType: contentType, sha256: stored.sha256,
                size: stored.size, createdTs: nowMs()))
        } catch {
            await abandon(stored.sha256)
            throw error
        }
        await store.unpin(stored.sha256)
        return thumbnailDownload(sha256: stored.sha256, size: stored.size, contentType: contentType)
    }

    // MARK: Internals

    /// The complete record, after validating the URI, fetching remote media, waiting for pending content
    /// and applying the legacy freeze.
    func completeRecord(serverName: String, mediaId: String, access: MediaAccess, timeoutMs: Int?) async throws
        -> MediaRecord
    {
        try validate(serverName: serverName)
        guard MediaID.isValid(mediaId) else { throw MatrixError.notFound("Unknown media ID \(mediaId)") }
        let record: MediaRecord
        if serverName == settings.serverName {
            record = try await waitForContent(serverName: serverName, mediaId: mediaId, timeoutMs: timeoutMs)
        } else {
            record = try await remoteRecord(serverName: serverName, mediaId: mediaId, timeoutMs: timeoutMs)
        }
        if access == .legacy && settings.freezeLegacyRoutes && !record.legacyVisible {
            throw MatrixError.notFound(
                "Media uploaded since unauthenticated media was frozen is only served by /_matrix/client/v1/media")
        }
        return record
    }

    private func waitForContent(serverName: String, mediaId: String, timeoutMs: Int?) async throws -> MediaRecord {
        let wait = max(0, min(timeoutMs ?? 20_000, settings.maxDownloadWaitMs))
        let deadline = ContinuousClock.now + .milliseconds(wait)
        while true {
            guard let record = try await records.get(serverName: serverName, mediaId: mediaId) else {
                throw MatrixError.notFound("Unknown media ID \(mediaId)")
            }
            if record.status == .complete { return record }
            if let expires = record.expiresTs, expires <= nowMs() {
                throw MatrixError.notFound("Media ID \(mediaId) expired before its content was uploaded")
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw MatrixError("M_NOT_YET_UPLOADED", "Content has not yet been uploaded", status: 504)
            }
            // Woken by the upload; the 1 s bound covers an announcement that raced this check.
            await notifier.wait(for: Self.key(serverName, mediaId), timeout: min(remaining, .seconds(1)))
        }
    }

    private func remoteRecord(serverName: String, mediaId: String, timeoutMs: Int?) async throws -> MediaRecord {
        if let cached = try await records.get(serverName: serverName, mediaId: mediaId), cached.status == .complete {
            return cached
        }
        guard let remote else { throw MatrixError.notFound("Remote media is not available yet") }
        let wait = max(0, min(timeoutMs ?? 20_000, settings.maxDownloadWaitMs))
        guard let fetched = try await remote.fetch(serverName: serverName, mediaId: mediaId,
                                                   maxBytes: settings.maxUploadBytes, timeoutMs: wait)
        else { throw MatrixError.notFound("Unknown media ID \(mediaId)") }
        guard fetched.bytes.count <= settings.maxUploadBytes else {
            throw MatrixError("M_TOO_LARGE", "The remote content is too large", status: 502)
        }
        let stored = try await store.store(ByteBuffer(bytes: fetched.bytes))
        let content = MediaContentRecord(
            contentType: ContentTypePolicy.storedType(declared: fetched.contentType, head: fetched.bytes.prefix(512)),
            uploadName: fetched.fileName.flatMap { (try? validate(fileName: $0)) != nil ? $0 : nil },
            sha256: stored.sha256, size: stored.size)
        // Cached now: for the freeze, remote media is "new" from the moment it is cached.
        _ = try await recording(content) {
            try await records.insertComplete(
                serverName: serverName, mediaId: mediaId, ownerNid: nil, content: content, nowMs: nowMs(),
                legacyVisible: !settings.freezeLegacyRoutes, quotaBytes: nil)
        }
        guard let record = try await records.get(serverName: serverName, mediaId: mediaId) else {
            throw MatrixError.notFound("Unknown media ID \(mediaId)")
        }
        return record
    }

    /// Checks the request, then streams the bytes to disk (pinned): the caller unpins. The size and quota
    /// are checked against the declared length first, then against what actually came.
    private func storeContent<Chunks: AsyncSequence & Sendable>(
        ownerNid: Int64, contentType: String?, fileName: String?, declaredLength: Int?, chunks: Chunks
    ) async throws -> MediaContentRecord where Chunks.Element == ByteBuffer {
        if let declaredLength, declaredLength > settings.maxUploadBytes {
            throw MatrixError.tooLarge("Cannot upload files larger than \(settings.maxUploadBytes) bytes")
        }
        if let fileName { try validate(fileName: fileName) }
        if let quota = settings.userQuotaBytes {
            let used = try await records.usage(ownerNid: ownerNid)
            let adding = Int64(declaredLength ?? 0)
            if used + adding > quota { throw quotaError(used: used, adding: adding) }
        }
        let (stored, head) = try await store.store(streaming: chunks, maxBytes: settings.maxUploadBytes,
                                                   headLength: ContentSniffer.prefixLength)
        let storedType = ContentTypePolicy.storedType(declared: contentType, head: head)
        return MediaContentRecord(contentType: storedType, uploadName: fileName, sha256: stored.sha256,
                                  size: stored.size)
    }

    private func existingFile(sha256: String, size: Int64, mediaId: String) async throws -> MediaFile {
        guard let onDisk = try await store.size(of: sha256), onDisk == size else {
            logger.error("media content file missing or damaged", metadata: ["media": "\(mediaId)", "sha256": "\(sha256)"])
            throw MatrixError.notFound("The content of \(mediaId) is missing")
        }
        return MediaFile(path: store.path(for: sha256), size: size)
    }

    private func thumbnailDownload(sha256: String, size: Int64, contentType: String) -> MediaDownload {
        MediaDownload(
            file: MediaFile(path: store.path(for: sha256), size: size), contentType: contentType,
            contentDisposition: ContentDisposition.header(inline: ContentTypePolicy.isInline(contentType),
                                                          fileName: nil))
    }

    /// Runs `record` (which writes the row naming `content`'s file), then unpins the file; when `record`
    /// throws, the file is deleted unless another row references it.
    private func recording<T: Sendable>(_ content: MediaContentRecord, _ record: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await record()
        } catch {
            await abandon(content.sha256)
            throw error
        }
        await store.unpin(content.sha256)
        return result
    }

    /// Unpins and deletes a content file a failed request wrote, unless a row references it.
    private func abandon(_ sha256: String) async {
        await store.unpin(sha256)
        let records = self.records
        do {
            try await store.deleteIfUnreferenced(sha256) { try await records.isReferenced(sha256: sha256) }
        } catch {
            logger.warning("could not delete unreferenced media content", metadata: ["sha256": "\(sha256)",
                                                                                      "error": "\(error)"])
        }
    }

    private func quotaError(used: Int64, adding: Int64) -> MatrixError {
        MatrixError.forbidden(
            "Media quota exceeded: \(used) of \(settings.userQuotaBytes ?? 0) bytes used, this upload is \(adding)")
    }

    private func validate(serverName: String) throws {
        do {
            _ = try ServerName(parsing: serverName)
        } catch {
            throw MatrixError.invalidParam("Invalid server name in the media URI: \(serverName)")
        }
    }

    private func validate(fileName: String) throws {
        guard fileName.utf8.count <= 1024,
            !fileName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw MatrixError.invalidParam("The file name must be at most 1024 bytes without control characters") }
    }

    static func key(_ serverName: String, _ mediaId: String) -> String { serverName + "/" + mediaId }

    static func cannotOverwrite(_ mediaId: String) -> MatrixError {
        MatrixError("M_CANNOT_OVERWRITE_MEDIA", "Media \(mediaId) has already been uploaded", status: 409)
    }
}
