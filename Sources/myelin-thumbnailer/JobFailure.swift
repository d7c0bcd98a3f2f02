// Why one request failed. The reasons are short, fixed strings (plus dimensions) so the server can
// log or map them without parsing libvips's free-form error text.
enum JobFailure: Error {
    case badRequest(String)
    case fileNotFound
    case emptyFile
    case unsupportedFormat
    case tooLarge(width: Int, height: Int)
    case corrupt

    var reason: String {
        switch self {
        case .badRequest(let what): return "bad request: \(what)"
        case .fileNotFound: return "file not found"
        case .emptyFile: return "empty file"
        case .unsupportedFormat: return "unsupported format"
        case .tooLarge(let width, let height): return "image too large: \(width)x\(height)"
        case .corrupt: return "corrupt image"
        }
    }
}
