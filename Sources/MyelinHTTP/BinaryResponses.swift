import HTTPTypes
import Hummingbird
import MyelinMedia
import NIOCore

/// A response body written after the headers, of a length known up front.
public struct StreamedBody: Sendable {
    public let length: Int
    public let write: @Sendable (inout any ResponseBodyWriter) async throws -> Void

    public init(length: Int, write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) {
        self.length = length
        self.write = write
    }

    /// A stored media file, read in 64 KiB chunks on NIO's thread pool as the client takes them.
    public static func file(_ file: MediaFile) -> StreamedBody {
        StreamedBody(length: Int(file.size)) { writer in
            try await writer.write(file.chunks())
            try await writer.finish(nil)
        }
    }
}

extension MatrixResponse {
    /// Bytes of any type, served as they are.
    public init(status: HTTPResponse.Status = .ok, bytes: [UInt8], contentType: String,
                headers: [(String, String)] = []) {
        self.init(status: status, jsonBytes: bytes)
        self.contentType = contentType
        self.extraHeaders = headers
    }

    /// A body streamed from `streamed`.
    public init(status: HTTPResponse.Status = .ok, streamed: StreamedBody, contentType: String,
                headers: [(String, String)] = []) {
        self.init(status: status, jsonBytes: [])
        self.contentType = contentType
        self.extraHeaders = headers
        self.streamedBody = streamed
    }
}
