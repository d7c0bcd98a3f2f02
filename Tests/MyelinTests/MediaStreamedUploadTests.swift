import Foundation
import MatrixCore
import Testing
import MyelinTestSupport

/// Uploads go to disk as they arrive: a large one round-trips byte for byte, and one that is cut short or
/// runs past the limit leaves nothing behind.
@Suite struct MediaStreamedUploadTests {
    private func topLevelTemporaryFiles(_ server: TestServer) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: server.mediaDirectory)) ?? [])
            .filter { $0.hasPrefix(".tmp-") }
    }

    @Test func aLargeUploadRoundTrips() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bytes = MediaSamples.random(3_000_000, seed: 7)
            let mediaId = try await server.uploadedMediaId(bytes, contentType: "application/octet-stream",
                                                           token: alice.accessToken)
            let downloaded = try await server.downloadV1(mediaId, token: alice.accessToken)
            #expect(downloaded.status == 200)
            #expect(Array(downloaded.body) == bytes)
            #expect(topLevelTemporaryFiles(server).isEmpty)
        }
    }

    @Test func anUploadCutShortLeavesNothingBehind() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let port = try #require(URL(string: server.client.baseURL)?.port)
            let client = try RawTCPClient(port: port)
            await client.trySend("POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: Bearer \(alice.accessToken)\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Length: 2000000\r\n\r\n" + String(repeating: "x", count: 100_000))
            try await Task.sleep(for: .milliseconds(300))
            client.close()
            var left = [String]()
            for _ in 0..<50 {
                try await Task.sleep(for: .milliseconds(100))
                left = topLevelTemporaryFiles(server)
                if left.isEmpty { break }
            }
            #expect(left.isEmpty)
            #expect(server.mediaFiles().isEmpty)
        }
    }

    @Test func aChunkedUploadPastTheLimitIsRefusedAndRemoved() async throws {
        try await withServer({ $0.mediaMaxUploadBytes = 100_000 }) { server in
            let alice = try await server.register("alice")
            let port = try #require(URL(string: server.client.baseURL)?.port)
            let client = try RawTCPClient(port: port)
            let chunk = String(repeating: "y", count: 0x8000)
            var request = "POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer \(alice.accessToken)\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<5 { request += "8000\r\n" + chunk + "\r\n" }
            await client.trySend(request + "0\r\n\r\n")
            let answer = await client.readUntilClosed()
            #expect(answer.text.hasPrefix("HTTP/1.1 413"), "\(answer.text.prefix(200))")
            #expect(answer.text.contains("M_TOO_LARGE"))
            #expect(topLevelTemporaryFiles(server).isEmpty)
            #expect(server.mediaFiles().isEmpty)
            // A declared length past the limit is refused before anything is read.
            let declared = try RawTCPClient(port: port)
            await declared.trySend("POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: localhost\r\n"
                              + "Authorization: Bearer \(alice.accessToken)\r\nContent-Length: 100001\r\n\r\n")
            #expect(await declared.readUntilClosed().text.hasPrefix("HTTP/1.1 413"))
        }
    }
}
