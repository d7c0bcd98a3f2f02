import Foundation
import Logging
import MatrixCore
import MyelinMedia
import MyelinStorage
import NIOCore
import Testing

/// A thumbnailer that answers a fixed PNG and counts its calls.
final class CountingThumbnailer: Thumbnailing, @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [(width: Int, height: Int, method: ThumbnailMethod)] = []

    var calls: Int { lock.withLock { requests.count } }
    var last: (width: Int, height: Int, method: ThumbnailMethod)? { lock.withLock { requests.last } }

    func thumbnail(path: String, width: Int, height: Int, method: ThumbnailMethod, animated: Bool) async throws
        -> (contentType: String, bytes: [UInt8])
    {
        lock.withLock { requests.append((width, height, method)) }
        guard FileManager.default.fileExists(atPath: path) else { throw TestFailure("no source at \(path)") }
        return ("image/png", MediaSamples.png(40, seed: UInt64(width)))
    }
}

@Suite struct MediaThumbnailTests {
    @Test func thumbnailsAreMadeOncePerSizeAndCached() async throws {
        let dir = MediaStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        let thumbnailer = CountingThumbnailer()
        var settings = MediaSettings(serverName: "example.org", directory: dir + "/media")
        settings.pregenerateThumbnails = false  // count on-demand calls only
        let media = try await MediaService.open(
            settings: settings, database: database, nowMs: { 1_000 }, thumbnailer: thumbnailer, logger: logger)
        guard let ownerNid = try await AccountStore(database: database).create(
            localpart: "alice", passwordHash: nil, isAdmin: false, isGuest: false, now: 1)?.nid
        else { throw TestFailure("no account") }
        let image = try await media.upload(ownerNid: ownerNid, contentType: "image/png", fileName: "a.png",
                                           body: ByteBuffer(bytes: MediaSamples.png(500)))
        let first = try await media.thumbnail(serverName: "example.org", mediaId: image.mediaId, width: 30, height: 30,
                                              method: .crop, animated: false, access: .authenticated)
        #expect(first.contentType == "image/png")
        #expect(first.contentDisposition == "inline")
        #expect(thumbnailer.last?.width == 32 && thumbnailer.last?.method == .crop)
        // 20x20 snaps to the same 32x32 crop: served from the cache.
        let second = try await media.thumbnail(serverName: "example.org", mediaId: image.mediaId, width: 20,
                                               height: 20, method: .crop, animated: false, access: .authenticated)
        #expect(thumbnailer.calls == 1)
        #expect(second.file.path == first.file.path)
        _ = try await media.thumbnail(serverName: "example.org", mediaId: image.mediaId, width: 300, height: 200,
                                      method: .scale, animated: false, access: .authenticated)
        #expect(thumbnailer.calls == 2)
        #expect(thumbnailer.last?.width == 320 && thumbnailer.last?.height == 240)

        let text = try await media.upload(ownerNid: ownerNid, contentType: "text/plain", fileName: nil,
                                          body: ByteBuffer(bytes: Array("hi".utf8)))
        await #expect(throws: MatrixError.self) {
            _ = try await media.thumbnail(serverName: "example.org", mediaId: text.mediaId, width: 32, height: 32,
                                          method: .crop, animated: false, access: .authenticated)
        }
        try await database.close()
    }
}
