import Foundation
import Testing
@testable import MyelinThumbnail

/// Bad inputs are answered with an error by a worker that keeps running (same process id after).
@Suite struct BadInputTests {
    private func expectError(_ expected: ThumbnailError, path: String, maxInputPixels: Int = 32_000_000,
                             client: ThumbnailerClient, then good: String) async throws {
        let request = ThumbnailRequest(path: path, width: 64, height: 64, method: .scale, maxInputPixels: maxInputPixels)
        await #expect(throws: expected) { try await client.thumbnail(request) }
        let pid = await client.workerProcessID
        #expect(pid != nil)
        let next = try await client.thumbnail(ThumbnailRequest(path: good, width: 64, height: 64, method: .crop))
        #expect(next.width == 64)
        #expect(await client.workerProcessID == pid, "the worker must survive a bad input")
    }

    @Test func corruptFilesAreErrors() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let client = try WorkerFixture.client()
        var noise = [UInt8](repeating: 0, count: 4096)
        for index in noise.indices { noise[index] = UInt8(truncatingIfNeeded: index &* 131 &+ 7) }

        let jpeg = directory.appendingPathComponent("corrupt.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0] + noise).write(to: jpeg)
        try await expectError(.corruptImage, path: jpeg.path, client: client, then: good)

        let png = directory.appendingPathComponent("corrupt.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + noise).write(to: png)
        try await expectError(.corruptImage, path: png.path, client: client, then: good)
        await client.shutdown()
    }

    @Test(arguments: ["jpeg", "png", "gif", "webp"])
    func truncatedFilesAreErrors(_ format: String) async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let full = try await WorkerFixture.synth(format, 400, 300, into: directory, name: "full.\(format)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let truncated = directory.appendingPathComponent("truncated.\(format)")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let client = try WorkerFixture.client()
        try await expectError(.corruptImage, path: truncated.path, client: client, then: good)
        await client.shutdown()
    }

    @Test func emptyMissingUnsupportedAndOversizedInputsAreErrors() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let client = try WorkerFixture.client()

        let empty = directory.appendingPathComponent("empty")
        try Data().write(to: empty)
        try await expectError(.emptyFile, path: empty.path, client: client, then: good)

        try await expectError(.fileNotFound, path: directory.appendingPathComponent("absent").path,
                              client: client, then: good)

        let text = directory.appendingPathComponent("notes.txt")
        try Data("just some text, not an image\n".utf8).write(to: text)
        try await expectError(.unsupportedFormat, path: text.path, client: client, then: good)

        try await expectError(.imageTooLarge(width: 400, height: 300), path: good, maxInputPixels: 100_000,
                              client: client, then: good)

        // A path ending in "]" would be read by libvips as load options; it is refused outright.
        try await expectError(.rejected("bad request: path"), path: good + "[n=-1]", client: client, then: good)
        await client.shutdown()
    }
}
