import Foundation
import MatrixCore
import MyelinStorage
import Testing

/// Thumbnails over HTTP made by the real libvips worker (`myelin-thumbnailer`, built beside the tests),
/// from images it synthesises itself.
@Suite struct MediaRealThumbnailTests {
    static var worker: String { ServerProcess.binary.deletingLastPathComponent().appendingPathComponent("myelin-thumbnailer").path }

    func synth(_ format: String, _ width: Int, _ height: Int, extra: [String] = []) async throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-synth-\(UUID()).\(format)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try await runProgram(["synth", format, String(width), String(height), path] + extra,
                                        executable: URL(fileURLWithPath: Self.worker))
        guard made.status == 0 else { throw TestFailure("synth failed: \(made.output)") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func thumbnail(_ server: TestServer, _ mediaId: String, _ query: String, token: String) async throws -> TestResponse {
        try await server.client.get(
            "/_matrix/client/v1/media/thumbnail/\(server.serverName)/\(mediaId)?\(query)", token: token)
    }

    @Test(arguments: [
        ("jpeg", "image/jpeg", "image/jpeg"), ("png", "image/png", "image/png"), ("gif", "image/gif", "image/png"),
        ("webp", "image/webp", "image/webp"),
    ])
    func eachMethodOnEachFormat(format: String, uploadType: String, thumbnailType: String) async throws {
        let image = try await synth(format, 640, 400)
        try await withServer { server async throws in
            let alice = try await server.register("alice")
            let mediaId = try await server.uploadedMediaId(image, contentType: uploadType, token: alice.accessToken)
            for (query, method) in [("width=96&height=96&method=crop", "crop"), ("width=320&height=240&method=scale", "scale")] {
                let response = try await thumbnail(server, mediaId, query, token: alice.accessToken)
                #expect(response.status == 200, "\(format) \(method): \(response.status) \(response.json)")
                #expect(response.header("Content-Type") == thumbnailType, "\(format) \(method)")
                #expect(response.body.count > 50 && response.body.count < image.count + 1024)
            }
        }
    }

    @Test func animatedGIFStaysAnimatedWhenAsked() async throws {
        let gif = try await synth("gif", 200, 200, extra: ["--frames", "4"])
        try await withServer { server async throws in
            let alice = try await server.register("alice")
            let mediaId = try await server.uploadedMediaId(gif, contentType: "image/gif", token: alice.accessToken)
            let still = try await thumbnail(server, mediaId, "width=96&height=96&method=crop", token: alice.accessToken)
            #expect(still.header("Content-Type") == "image/png")
            let animated = try await thumbnail(
                server, mediaId, "width=96&height=96&method=crop&animated=true", token: alice.accessToken)
            #expect(animated.status == 200)
            #expect(animated.header("Content-Type") == "image/gif")
            // A GIF with several frames has several image descriptors (0x2C after a graphic control block).
            let frames = zip(animated.body, animated.body.dropFirst()).filter { $0 == 0x00 && $1 == 0x2C }.count
            #expect(frames >= 2, "frames: \(frames)")
        }
    }

    @Test func corruptAndOversizedImages() async throws {
        let jpeg = try await synth("jpeg", 1200, 1000)
        try await withServer({ $0.mediaMaxThumbnailPixels = 1_000_000 }) { server async throws in
            let alice = try await server.register("alice")
            let smallJPEG = try await synth("jpeg", 600, 400)
            let truncated = Array(smallJPEG.prefix(smallJPEG.count / 3))
            let broken = try await server.uploadedMediaId(truncated, contentType: "image/jpeg", token: alice.accessToken)
            let refused = try await thumbnail(server, broken, "width=96&height=96&method=crop", token: alice.accessToken)
            #expect(refused.status == 400, "\(refused.json)")
            #expect(refused.errcode == "M_UNKNOWN")
            let big = try await server.uploadedMediaId(jpeg, contentType: "image/jpeg", token: alice.accessToken)
            let tooLarge = try await thumbnail(server, big, "width=96&height=96&method=crop", token: alice.accessToken)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errcode == "M_TOO_LARGE")
            // The worker is still serving.
            let small = try await synth("png", 300, 200)
            let fine = try await server.uploadedMediaId(small, contentType: "image/png", token: alice.accessToken)
            #expect(try await thumbnail(server, fine, "width=32&height=32&method=crop", token: alice.accessToken).status == 200)
        }
    }

    /// A worker that dies is the operator's problem: the client gets a plain 503, without the cause.
    @Test func aDyingWorkerIsA503WithoutInternals() async throws {
        let image = try await synth("png", 64, 64)
        let dying = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-dying-\(UUID()).sh").path
        try "#!/bin/sh\nkill -9 $$\n".write(toFile: dying, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dying)
        defer { try? FileManager.default.removeItem(atPath: dying) }
        try await withServer({ $0.mediaThumbnailerPath = dying }) { server async throws in
            let alice = try await server.register("alice")
            let mediaId = try await server.uploadedMediaId(image, contentType: "image/png", token: alice.accessToken)
            let response = try await thumbnail(server, mediaId, "width=32&height=32&method=crop", token: alice.accessToken)
            #expect(response.status == 503)
            let message = response.json["error"]?.stringValue ?? ""
            #expect(!message.contains("signal") && !message.contains("worker") && !message.contains("Died"), "\(message)")
        }
    }
}

@Suite struct MediaPregeneratedThumbnailTests {
    /// After an image upload the five standard sizes are made in the background, as Synapse does.
    @Test func standardSizesAppearAfterUpload() async throws {
        let png = try await MediaRealThumbnailTests().synth("png", 1000, 800)
        try await withServer { server async throws in
            let alice = try await server.register("alice")
            let mediaId = try await server.uploadedMediaId(png, contentType: "image/png", token: alice.accessToken)
            let records = MediaRecordStore(database: server.running.homeserver.database)
            let standard: [(Int, Int, String)] = [(32, 32, "crop"), (96, 96, "crop"), (320, 240, "scale"),
                                                  (640, 480, "scale"), (800, 600, "scale")]
            var made = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                made = 0
                for (width, height, method) in standard {
                    if try await records.thumbnail(serverName: server.serverName, mediaId: mediaId, width: width,
                                                   height: height, method: method, animated: false) != nil {
                        made += 1
                    }
                }
                if made == standard.count { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(made == standard.count)
            // A non-image gets none, and nothing breaks.
            _ = try await server.uploadedMediaId(Array("hello".utf8), contentType: "text/plain", token: alice.accessToken)
        }
    }

}
