import Foundation
import MyelinTestSupport
@testable import MyelinThumbnail

/// Locates the built `myelin-thumbnailer` (SwiftPM puts it in the same directory as the test bundle)
/// and makes test images with its `synth` subcommand, so no external tools or checked-in images.
enum WorkerFixture {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static func workerPath() throws -> String {
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0])]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: exe))
        }
        for start in starts {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("myelin-thumbnailer").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw Missing(description: "myelin-thumbnailer not found near \(starts); run swift build --build-tests first")
    }

    /// A fresh directory for one test's files.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("myelin-thumb-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `myelin-thumbnailer synth ...`, waiting on a thread of its own (the cooperative pool is small).
    static func synth(_ format: String, _ width: Int, _ height: Int, into directory: URL, name: String? = nil,
                      extra: [String] = []) async throws -> String {
        let path = directory.appendingPathComponent(name ?? "\(format)-\(width)x\(height).\(format)").path
        let worker = try workerPath()
        let child = try ChildProcess.spawn(worker, ["synth", format, String(width), String(height), path] + extra,
                                           stdout: .null, stderr: .null)
        let status = await ChildProcess.offPool { child.wait() }
        guard status == 0 else { throw Missing(description: "synth \(format) failed with status \(status)") }
        return path
    }

    static func client(timeout: Duration = .seconds(60)) throws -> ThumbnailerClient {
        ThumbnailerClient(workerPath: try workerPath(), timeout: timeout)
    }

    /// Writes a thumbnail's bytes to disk so the worker's `info` can check what was really encoded.
    static func save(_ thumbnail: Thumbnail, in directory: URL, name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
