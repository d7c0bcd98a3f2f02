import Foundation
import Testing
@testable import MyelinThumbnail

/// crop and scale on each accepted format, checking both the reported and the encoded dimensions.
@Suite struct ThumbnailFormatTests {
    static let formats: [(format: String, contentType: String, encoded: String)] = [
        ("jpeg", "image/jpeg", "jpeg"), ("png", "image/png", "png"),
        ("gif", "image/png", "png"),  // a still GIF thumbnail is a PNG, as in Synapse
        ("webp", "image/webp", "webp"),
    ]

    @Test(arguments: formats)
    func cropGivesExactlyTheRequestedSize(_ format: String, _ contentType: String, _ encoded: String) async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth(format, 400, 300, into: directory)
        let client = try WorkerFixture.client()

        let thumbnail = try await client.thumbnail(ThumbnailRequest(path: source, width: 96, height: 96, method: .crop))
        #expect(thumbnail.contentType == contentType)
        #expect(thumbnail.width == 96 && thumbnail.height == 96)
        let info = try await client.info(path: try WorkerFixture.save(thumbnail, in: directory, name: "out"))
        #expect(info == ImageInfo(format: encoded, width: 96, height: 96, frames: 1))
        await client.shutdown()
    }

    @Test(arguments: formats)
    func scaleFitsInsideKeepingAspect(_ format: String, _ contentType: String, _ encoded: String) async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth(format, 400, 300, into: directory)
        let client = try WorkerFixture.client()

        let thumbnail = try await client.thumbnail(ThumbnailRequest(path: source, width: 320, height: 120, method: .scale))
        #expect(thumbnail.contentType == contentType)
        #expect(thumbnail.width == 160 && thumbnail.height == 120)
        let info = try await client.info(path: try WorkerFixture.save(thumbnail, in: directory, name: "out"))
        #expect(info == ImageInfo(format: encoded, width: 160, height: 120, frames: 1))

        // Asking for more than the source has never upscales.
        let large = try await client.thumbnail(ThumbnailRequest(path: source, width: 800, height: 800, method: .scale))
        #expect(large.width == 400 && large.height == 300)
        await client.shutdown()
    }
}
