import Foundation
import Testing
@testable import MyelinThumbnail

/// Frames kept for animated requests, and EXIF orientation applied.
@Suite struct AnimationAndOrientationTests {
    @Test func animatedGIFStaysAnimatedWhenAsked() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("gif", 200, 100, into: directory, extra: ["--frames", "4"])
        let client = try WorkerFixture.client()
        #expect(try await client.info(path: source) == ImageInfo(format: "gif", width: 200, height: 100, frames: 4))

        let animated = try await client.thumbnail(
            ThumbnailRequest(path: source, width: 100, height: 100, method: .scale, animated: true))
        #expect(animated.contentType == "image/gif")
        #expect(animated.width == 100 && animated.height == 50 && animated.frames == 4)
        let info = try await client.info(path: try WorkerFixture.save(animated, in: directory, name: "anim.gif"))
        #expect(info == ImageInfo(format: "gif", width: 100, height: 50, frames: 4))

        let cropped = try await client.thumbnail(
            ThumbnailRequest(path: source, width: 40, height: 40, method: .crop, animated: true))
        #expect(cropped.contentType == "image/gif")
        #expect(cropped.width == 40 && cropped.height == 40 && cropped.frames == 4)

        let still = try await client.thumbnail(ThumbnailRequest(path: source, width: 100, height: 100, method: .scale))
        #expect(still.contentType == "image/png" && still.frames == 1)
        await client.shutdown()
    }

    @Test func animatedWebPStaysAnimatedWhenAsked() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("webp", 200, 100, into: directory, extra: ["--frames", "3"])
        let client = try WorkerFixture.client()

        let animated = try await client.thumbnail(
            ThumbnailRequest(path: source, width: 100, height: 100, method: .scale, animated: true))
        #expect(animated.contentType == "image/webp")
        let info = try await client.info(path: try WorkerFixture.save(animated, in: directory, name: "anim.webp"))
        #expect(info == ImageInfo(format: "webp", width: 100, height: 50, frames: 3))
        await client.shutdown()
    }

    @Test func animationOverThePixelBudgetFallsBackToAStill() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("gif", 200, 100, into: directory, extra: ["--frames", "4"])
        let client = try WorkerFixture.client()
        // One frame (20 000 px) fits, four (80 000 px) do not.
        let thumbnail = try await client.thumbnail(ThumbnailRequest(
            path: source, width: 100, height: 100, method: .scale, animated: true, maxInputPixels: 50_000))
        #expect(thumbnail.contentType == "image/png" && thumbnail.frames == 1)
        await client.shutdown()
    }

    @Test func exifOrientationSixTurnsALandscapeJPEGPortrait() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("jpeg", 400, 200, into: directory, extra: ["--exif-orientation", "6"])
        let client = try WorkerFixture.client()
        // Stored pixels are landscape; orientation 6 means "rotate 90° clockwise to display".
        #expect(try await client.info(path: source) == ImageInfo(format: "jpeg", width: 400, height: 200, frames: 1))

        let thumbnail = try await client.thumbnail(ThumbnailRequest(path: source, width: 100, height: 100, method: .scale))
        #expect(thumbnail.width == 50 && thumbnail.height == 100)
        // Metadata is stripped, so the thumbnail is upright by its pixels alone.
        let info = try await client.info(path: try WorkerFixture.save(thumbnail, in: directory, name: "out.jpg"))
        #expect(info.width == 50 && info.height == 100)
        await client.shutdown()
    }
}
