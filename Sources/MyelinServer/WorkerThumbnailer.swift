import FoundationEssentials
import Glibc
import Logging
import MatrixCore
import MyelinMedia
import MyelinThumbnail

/// The media repository's `Thumbnailing`, done by the `myelin-thumbnailer` worker process (libvips stays
/// out of the server). Input problems become the spec's errors; worker trouble a 503, after which the
/// client starts a fresh worker for the next request.
struct WorkerThumbnailer: Thumbnailing {
    let client: ThumbnailerClient
    let maxInputPixels: Int
    let logger: Logger

    func thumbnail(path: String, width: Int, height: Int, method: MyelinMedia.ThumbnailMethod, animated: Bool)
        async throws -> (contentType: String, bytes: [UInt8])
    {
        let request = ThumbnailRequest(
            path: path, width: width, height: height, method: method == .crop ? .crop : .scale, animated: animated,
            maxInputPixels: maxInputPixels)
        do {
            let made = try await client.thumbnail(request)
            return (made.contentType, made.bytes)
        } catch {
            switch error {
            case .imageTooLarge(let imageWidth, let imageHeight):
                throw MatrixError.tooLarge(
                    "The image (\(imageWidth)x\(imageHeight)) is larger than this server thumbnails")
            case .unsupportedFormat, .corruptImage, .emptyFile, .fileNotFound, .rejected:
                throw MatrixError.unknown("Cannot generate a thumbnail for this content (\(error))")
            case .timedOut, .workerDied, .workerUnavailable, .outputTooLarge:
                // The cause is the operator's to read, not the client's.
                logger.warning("thumbnail worker failed", metadata: ["error": "\(error)", "path": "\(path)"])
                throw MatrixError("M_UNKNOWN", "Thumbnails are unavailable for a moment; try again", status: 503)
            }
        }
    }

    func shutdown() async {
        await client.shutdown()
    }

    /// Where the worker binary is: the configured path, else beside this executable, else where the
    /// Debian package installs it. Nil when there is none (thumbnails are then not offered).
    static func locateWorker(configured: String) -> String? {
        if !configured.isEmpty { return FileManager.default.isExecutableFile(atPath: configured) ? configured : nil }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var candidates: [String] = []
        if length > 0 {
            let executable = String(decoding: buffer.prefix(length).map(UInt8.init(bitPattern:)), as: UTF8.self)
            if let slash = executable.lastIndex(of: "/") {
                candidates.append(String(executable[..<slash]) + "/myelin-thumbnailer")
            }
        }
        candidates.append("/usr/lib/myelin/myelin-thumbnailer")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
