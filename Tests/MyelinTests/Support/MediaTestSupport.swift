import Foundation
import MatrixCore
import Testing

/// Media helpers over the test client: raw uploads and downloads, and a look at the content files.
extension TestServer {
    var mediaDirectory: String { running.homeserver.config.dataDir + "/media" }

    /// POST /_matrix/media/v3/upload with `bytes` declared as `contentType`.
    func upload(_ bytes: [UInt8], contentType: String, fileName: String? = nil, token: String) async throws
        -> TestResponse
    {
        var path = "/_matrix/media/v3/upload"
        if let fileName { path += "?filename=" + Self.queryEncode(fileName) }
        return try await client.request("POST", path, rawBody: Data(bytes), token: token,
                                        headers: ["Content-Type": contentType])
    }

    /// Uploads and returns the media ID (the URI's server name must be ours).
    func uploadedMediaId(_ bytes: [UInt8], contentType: String, fileName: String? = nil, token: String) async throws
        -> String
    {
        let response = try await upload(bytes, contentType: contentType, fileName: fileName, token: token)
        guard response.status == 200, let uri = response.json["content_uri"]?.stringValue,
            uri.hasPrefix("mxc://\(serverName)/")
        else { throw TestFailure("upload failed: \(response.status) \(response.json)") }
        return String(uri.dropFirst("mxc://\(serverName)/".count))
    }

    func downloadV1(_ mediaId: String, serverName: String? = nil, suffix: String = "", token: String?) async throws
        -> TestResponse
    {
        try await client.get("/_matrix/client/v1/media/download/\(serverName ?? self.serverName)/\(mediaId)\(suffix)",
                             token: token)
    }

    func downloadLegacy(_ mediaId: String, suffix: String = "") async throws -> TestResponse {
        try await client.get("/_matrix/media/v3/download/\(serverName)/\(mediaId)\(suffix)")
    }

    /// The content files on disk (temporary files included, so a test sees any left behind).
    func mediaFiles() -> [String] {
        let shards = (try? FileManager.default.contentsOfDirectory(atPath: mediaDirectory)) ?? []
        return shards.flatMap { shard in
            ((try? FileManager.default.contentsOfDirectory(atPath: mediaDirectory + "/" + shard)) ?? [])
                .map { shard + "/" + $0 }
        }
    }

    static func queryEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// Sample contents.
enum MediaSamples {
    static let pngHeader: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)

    /// A PNG signature followed by `count` pseudo-random bytes (deterministic per seed).
    static func png(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        pngHeader + random(count, seed: seed)
    }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static let pdf: [UInt8] = Array("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".utf8)
}
