/// Why a thumbnail could not be made. The first group is about the input and is final for that file;
/// the second is about the worker and is transient (the next request gets a fresh worker).
public enum ThumbnailError: Error, Sendable, Hashable {
    case unsupportedFormat
    case imageTooLarge(width: Int, height: Int)
    case corruptImage
    case fileNotFound
    case emptyFile
    /// The worker refused the request itself (a reason such as "bad request: width/height").
    case rejected(String)

    /// No answer within the client's timeout; the worker was killed.
    case timedOut
    /// The worker exited, crashed or broke the protocol mid-request; it will be restarted.
    case workerDied(String)
    /// The worker could not be started (missing or non-executable binary).
    case workerUnavailable(String)
    /// The encoded thumbnail exceeded the client's payload cap.
    case outputTooLarge(Int)

    /// Maps the worker's short reason strings (see the protocol comment in myelin-thumbnailer).
    init(workerReason reason: String) {
        switch reason {
        case "unsupported format": self = .unsupportedFormat
        case "corrupt image": self = .corruptImage
        case "file not found": self = .fileNotFound
        case "empty file": self = .emptyFile
        default:
            if let dims = Self.parseTooLarge(reason) { self = .imageTooLarge(width: dims.0, height: dims.1); return }
            self = .rejected(reason)
        }
    }

    private static func parseTooLarge(_ reason: String) -> (Int, Int)? {
        let prefix = "image too large: "
        guard reason.hasPrefix(prefix) else { return nil }
        let parts = reason.dropFirst(prefix.count).split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else { return nil }
        return (width, height)
    }
}
