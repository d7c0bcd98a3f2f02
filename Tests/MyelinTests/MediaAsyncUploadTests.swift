import Foundation
import MatrixCore
import Testing

@Suite struct MediaAsyncUploadTests {
    func create(_ server: TestServer, token: String) async throws -> (mediaId: String, expiresAt: Int64?) {
        let response = try await server.client.post("/_matrix/media/v1/create", token: token)
        guard response.status == 200, let uri = response.json["content_uri"]?.stringValue,
            uri.hasPrefix("mxc://\(server.serverName)/")
        else { throw TestFailure("create failed: \(response.status) \(response.json)") }
        return (String(uri.dropFirst("mxc://\(server.serverName)/".count)), response.json["unused_expires_at"]?.intValue)
    }

    func put(_ server: TestServer, _ mediaId: String, _ bytes: [UInt8], token: String, fileName: String? = nil)
        async throws -> TestResponse
    {
        var path = "/_matrix/media/v3/upload/\(server.serverName)/\(mediaId)"
        if let fileName { path += "?filename=" + TestServer.queryEncode(fileName) }
        return try await server.client.request("PUT", path, rawBody: Data(bytes), token: token,
                                               headers: ["Content-Type": "text/plain"])
    }

    @Test func createThenUploadByTheOwnerOnlyOnce() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let (id, expires) = try await create(server, token: alice.accessToken)
            #expect(expires == server.clock.read() + 86_400_000)

            let early = try await server.client.get(
                "/_matrix/client/v1/media/download/\(server.serverName)/\(id)?timeout_ms=0", token: alice.accessToken)
            #expect(early.status == 504)
            #expect(early.errcode == "M_NOT_YET_UPLOADED")

            let intruder = try await put(server, id, Array("bob's".utf8), token: bob.accessToken)
            #expect(intruder.status == 403)
            #expect(intruder.errcode == "M_FORBIDDEN")

            let bytes = Array("the real content\n".utf8)
            #expect(try await put(server, id, bytes, token: alice.accessToken, fileName: "note.txt").status == 200)
            let download = try await server.downloadV1(id, token: bob.accessToken)
            #expect(download.status == 200)
            #expect(Array(download.body) == bytes)
            #expect(download.header("Content-Disposition") == "inline; filename=\"note.txt\"")

            let again = try await put(server, id, Array("overwrite".utf8), token: alice.accessToken)
            #expect(again.status == 409)
            #expect(again.errcode == "M_CANNOT_OVERWRITE_MEDIA")
            let bobAgain = try await put(server, id, Array("overwrite".utf8), token: bob.accessToken)
            #expect(bobAgain.status == 403)
            #expect(Array(try await server.downloadV1(id, token: bob.accessToken).body) == bytes)
            #expect(server.mediaFiles().count == 1)

            let unknown = try await put(server, "NeverCreated", bytes, token: alice.accessToken)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
        }
    }

    @Test func aWaitingDownloadGetsTheContentWhenItArrives() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let (id, _) = try await create(server, token: alice.accessToken)
            let bytes = MediaSamples.random(70_000, seed: 9)
            async let waiting = server.client.get(
                "/_matrix/client/v1/media/download/\(server.serverName)/\(id)?timeout_ms=15000", token: alice.accessToken)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await put(server, id, bytes, token: alice.accessToken).status == 200)
            let response = try await waiting
            #expect(response.status == 200)
            #expect(Array(response.body) == bytes)
        }
    }

    @Test func anExpiredPendingIdIsGone() async throws {
        try await withServer({ $0.mediaPendingLifetimeS = 60 }) { server in
            let alice = try await server.register("alice")
            let (id, expires) = try await create(server, token: alice.accessToken)
            #expect(expires == server.clock.read() + 60_000)
            server.clock.advance(ms: 60_001)
            let late = try await put(server, id, Array("late".utf8), token: alice.accessToken)
            #expect(late.status == 404)
            #expect(late.errcode == "M_NOT_FOUND")
            let download = try await server.client.get(
                "/_matrix/client/v1/media/download/\(server.serverName)/\(id)?timeout_ms=0", token: alice.accessToken)
            #expect(download.status == 404)
            #expect(download.errcode == "M_NOT_FOUND")
            #expect(server.mediaFiles().isEmpty)
        }
    }

    @Test func pendingIdsPerUserAreLimited() async throws {
        try await withServer({ $0.mediaMaxPendingPerUser = 2 }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let (first, _) = try await create(server, token: alice.accessToken)
            _ = try await create(server, token: alice.accessToken)
            let third = try await server.client.post("/_matrix/media/v1/create", token: alice.accessToken)
            #expect(third.status == 429)
            #expect(third.errcode == "M_LIMIT_EXCEEDED")
            #expect((third.json["retry_after_ms"]?.intValue ?? 0) > 0)
            _ = try await create(server, token: bob.accessToken)
            // Uploading one frees its slot; so does lapsing.
            #expect(try await put(server, first, [1, 2, 3], token: alice.accessToken).status == 200)
            _ = try await create(server, token: alice.accessToken)
            server.clock.advance(ms: 86_400_001)
            _ = try await create(server, token: alice.accessToken)
            _ = try await create(server, token: alice.accessToken)
        }
    }
}

@Suite struct MediaFreezeTests {
    @Test func frozenLegacyRoutesServeOnlyMediaFromBeforeTheFreeze() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-freeze-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var oldId = ""
        try await withServer({ $0.dataDir = dir }) { server in
            let alice = try await server.register("alice")
            oldId = try await server.uploadedMediaId(Array("before".utf8), contentType: "text/plain",
                                                     token: alice.accessToken)
            #expect(try await server.downloadLegacy(oldId).status == 200)
        }
        try await withServer({ $0.dataDir = dir; $0.mediaFreezeLegacyRoutes = true }) { server in
            guard server.running.homeserver.config.dataDir == dir else { throw TestFailure("data dir not reused") }
            let login = try await server.login("alice")
            guard let token = login.json["access_token"]?.stringValue else { throw TestFailure("login: \(login.json)") }
            let old = try await server.downloadLegacy(oldId)
            #expect(old.status == 200)
            #expect(Array(old.body) == Array("before".utf8))
            let newId = try await server.uploadedMediaId(Array("during".utf8), contentType: "text/plain", token: token)
            let frozen = try await server.downloadLegacy(newId)
            #expect(frozen.status == 404)
            #expect(frozen.errcode == "M_NOT_FOUND")
            #expect(try await server.downloadLegacy(newId, suffix: "/x.txt").status == 404)
            let authenticated = try await server.downloadV1(newId, token: token)
            #expect(authenticated.status == 200)
            #expect(Array(authenticated.body) == Array("during".utf8))
        }
    }
}
