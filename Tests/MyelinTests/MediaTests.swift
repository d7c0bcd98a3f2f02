import Foundation
import MatrixCore
import Testing

@Suite struct MediaTests {
    static let csp = "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; "
        + "style-src 'unsafe-inline'; media-src 'self'; object-src 'self';"

    @Test func roundTripIsByteExactOnAuthenticatedAndLegacyRoutes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            // Larger than one 64 KiB chunk and than http.max_body_bytes (1 MiB): uploads have their own limit.
            let bytes = MediaSamples.png(1_300_000)
            let id = try await server.uploadedMediaId(bytes, contentType: "image/png", fileName: "cat.png",
                                                      token: alice.accessToken)
            for response in [try await server.downloadV1(id, token: alice.accessToken),
                              try await server.downloadV1(id, token: bob.accessToken),
                              try await server.downloadLegacy(id)] {
                #expect(response.status == 200)
                #expect(Array(response.body) == bytes)
                #expect(response.header("Content-Type") == "image/png")
                #expect(response.header("Content-Length") == String(bytes.count))
                #expect(response.header("Content-Disposition") == "inline; filename=\"cat.png\"")
                #expect(response.header("Content-Security-Policy") == Self.csp)
                #expect(response.header("Cross-Origin-Resource-Policy") == "cross-origin")
            }
            let anonymous = try await server.downloadV1(id, token: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.errcode == "M_MISSING_TOKEN")
            let unauthenticatedUpload = try await server.client.request(
                "POST", "/_matrix/media/v3/upload", rawBody: Data(bytes), headers: ["Content-Type": "image/png"])
            #expect(unauthenticatedUpload.status == 401)
        }
    }

    @Test func identicalUploadsShareOneFile() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let bytes = MediaSamples.random(5000, seed: 7)
            let first = try await server.uploadedMediaId(bytes, contentType: "application/octet-stream",
                                                         token: alice.accessToken)
            let second = try await server.uploadedMediaId(bytes, contentType: "application/zip",
                                                          fileName: "copy.bin", token: bob.accessToken)
            #expect(first != second)
            #expect(server.mediaFiles().count == 1)
            let other = try await server.uploadedMediaId(bytes + [1], contentType: "application/octet-stream",
                                                         token: alice.accessToken)
            #expect(server.mediaFiles().count == 2)
            // Each keeps its own metadata.
            let a = try await server.downloadV1(first, token: bob.accessToken)
            let b = try await server.downloadV1(second, token: alice.accessToken)
            #expect(a.header("Content-Type") == "application/octet-stream")
            #expect(a.header("Content-Disposition") == "attachment")
            #expect(b.header("Content-Type") == "application/zip")
            #expect(b.header("Content-Disposition") == "attachment; filename=\"copy.bin\"")
            #expect(Array(a.body) == bytes && Array(b.body) == bytes)
            #expect(try await server.downloadV1(other, token: bob.accessToken).body.count == 5001)
        }
    }

    @Test func fileNamesInTheUploadAndTheURL() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let name = "résumé 📄.txt"
            let id = try await server.uploadedMediaId(Array("hello\n".utf8), contentType: "text/plain; charset=utf-8",
                                                      fileName: name, token: alice.accessToken)
            let plain = try await server.downloadV1(id, token: alice.accessToken)
            #expect(plain.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(plain.header("Content-Disposition")
                == "inline; filename*=utf-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.txt")
            let renamed = try await server.downloadV1(id, suffix: "/" + TestServer.queryEncode("other \"name\".txt"),
                                                      token: alice.accessToken)
            #expect(renamed.header("Content-Disposition") == "inline; filename=\"other \\\"name\\\".txt\"")
            let legacyRenamed = try await server.downloadLegacy(id, suffix: "/" + TestServer.queryEncode("ü.txt"))
            #expect(legacyRenamed.header("Content-Disposition") == "inline; filename*=utf-8''%C3%BC.txt")
        }
    }

    @Test func zeroByteFile() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let id = try await server.uploadedMediaId([], contentType: "text/plain", fileName: "empty.txt",
                                                      token: alice.accessToken)
            let response = try await server.downloadV1(id, token: alice.accessToken)
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.header("Content-Length") == "0")
            #expect(response.header("Content-Type") == "text/plain")
            // A zero-byte "image" is obviously not one.
            let image = try await server.uploadedMediaId([], contentType: "image/png", token: alice.accessToken)
            #expect(try await server.downloadV1(image, token: alice.accessToken).header("Content-Type")
                == "application/octet-stream")
        }
    }

    @Test func oversizedUploadIsRefusedAndNothingIsStored() async throws {
        try await withServer({ $0.mediaMaxUploadBytes = 4096 }) { server in
            let alice = try await server.register("alice")
            let tooBig = try await server.upload(MediaSamples.random(4097, seed: 3), contentType: "application/pdf",
                                                 token: alice.accessToken)
            #expect(tooBig.status == 413)
            #expect(tooBig.errcode == "M_TOO_LARGE")
            #expect(server.mediaFiles().isEmpty)
            let config = try await server.client.get("/_matrix/client/v1/media/config", token: alice.accessToken)
            #expect(config.status == 200)
            #expect(config.json["m.upload.size"] == 4096)
            #expect(try await server.upload(MediaSamples.random(4096, seed: 3), contentType: "application/pdf",
                                            token: alice.accessToken).status == 200)
        }
    }

    @Test func configEndpointAdvertisesTheDefaultLimit() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let config = try await server.client.get("/_matrix/client/v1/media/config", token: alice.accessToken)
            #expect(config.json["m.upload.size"] == 52_428_800)
            #expect(try await server.client.get("/_matrix/client/v1/media/config").status == 401)
        }
    }

    @Test func contentTypeContradictedByTheBytesIsServedAsAnAttachment() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let fake = try await server.uploadedMediaId(MediaSamples.pdf, contentType: "image/png", fileName: "x.png",
                                                        token: alice.accessToken)
            let response = try await server.downloadV1(fake, token: alice.accessToken)
            #expect(response.header("Content-Type") == "application/octet-stream")
            #expect(response.header("Content-Disposition") == "attachment; filename=\"x.png\"")
            #expect(Array(response.body) == MediaSamples.pdf)
            // A real PDF keeps its type but is never inline; HTML is never inline either.
            let pdf = try await server.uploadedMediaId(MediaSamples.pdf, contentType: "application/pdf",
                                                       token: alice.accessToken)
            let served = try await server.downloadV1(pdf, token: alice.accessToken)
            #expect(served.header("Content-Type") == "application/pdf")
            #expect(served.header("Content-Disposition") == "attachment")
            let html = try await server.uploadedMediaId(Array("<script>alert(1)</script>".utf8),
                                                        contentType: "text/html", token: alice.accessToken)
            #expect(try await server.downloadV1(html, token: alice.accessToken).header("Content-Disposition")
                == "attachment")
        }
    }

    @Test func missingMalformedAndRemoteMediaAreNotFound() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let missing = try await server.downloadV1("NoSuchMedia123", token: alice.accessToken)
            #expect(missing.status == 404)
            #expect(missing.errcode == "M_NOT_FOUND")
            let remote = try await server.downloadV1("AbCdEf", serverName: "elsewhere.example", token: alice.accessToken)
            #expect(remote.status == 404)
            #expect(remote.errcode == "M_NOT_FOUND")
            let traversal = try await server.downloadV1("..%2F..%2Fetc", token: alice.accessToken)
            #expect(traversal.status == 404)
            #expect(traversal.errcode == "M_NOT_FOUND")
            let badServer = try await server.downloadV1("AbCdEf", serverName: "bad_server!", token: alice.accessToken)
            #expect(badServer.status == 400)
            #expect(try await server.downloadLegacy("NoSuchMedia123").errcode == "M_NOT_FOUND")
        }
    }

    @Test func quotaIsPerUser() async throws {
        try await withServer({ $0.mediaUserQuotaBytes = 3000 }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            _ = try await server.uploadedMediaId(MediaSamples.random(2000, seed: 1), contentType: "text/plain",
                                                 token: alice.accessToken)
            let over = try await server.upload(MediaSamples.random(1001, seed: 2), contentType: "text/plain",
                                               token: alice.accessToken)
            #expect(over.status == 403)
            #expect(over.errcode == "M_FORBIDDEN")
            #expect(server.mediaFiles().count == 1)
            // Bob's quota is his own; Alice may still use what is left of hers.
            _ = try await server.uploadedMediaId(MediaSamples.random(2500, seed: 3), contentType: "text/plain",
                                                 token: bob.accessToken)
            _ = try await server.uploadedMediaId(MediaSamples.random(1000, seed: 4), contentType: "text/plain",
                                                 token: alice.accessToken)
        }
    }

    @Test func thumbnailRouteIsAbsentWithoutAThumbnailer() async throws {
        try await withServer({ $0.mediaThumbnails = false }) { server async throws in
            let alice = try await server.register("alice")
            let id = try await server.uploadedMediaId(MediaSamples.png(100), contentType: "image/png",
                                                      token: alice.accessToken)
            let response = try await server.client.get(
                "/_matrix/client/v1/media/thumbnail/\(server.serverName)/\(id)?width=32&height=32",
                token: alice.accessToken)
            #expect(response.status == 404)
            #expect(response.errcode == "M_UNRECOGNIZED")
        }
    }
}
