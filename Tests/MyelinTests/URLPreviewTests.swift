import Foundation
import MyelinTestSupport
import MatrixCore
import MyelinMedia
import Testing

/// URL previews against a real web server on loopback (Tests/Interop/preview_server.py).
@Suite(.serialized) struct URLPreviewTests {
    /// Starts the site; returns its port and a closure that stops it.
    static func startSite() async throws -> (port: Int, stop: @Sendable () -> Void) {
        let child = try ChildProcess.spawn(
            "/usr/bin/env", [testPython, interopDirectory.appendingPathComponent("preview_server.py").path],
            input: true, stderr: .inherit)
        let line = await ChildProcess.offPool { child.readLine() }
        guard let line, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            child.signal(SIGKILL)
            throw TestFailure("preview server did not start: \(line ?? "no output")")
        }
        return (port, { child.closeInput(); child.signal(SIGKILL); child.wait() })
    }

    func withPreviewServer(allowLoopback: Bool = true, _ body: (TestServer, Int) async throws -> Void) async throws {
        let site = try await Self.startSite()
        defer { site.stop() }
        try await withServer({ config in
            config.mediaURLPreviewEnabled = true
            if allowLoopback { config.mediaURLPreviewAllowedNetworks = ["127.0.0.0/8"] }
        }) { server async throws in
            try await body(server, site.port)
        }
    }

    func preview(_ server: TestServer, _ url: String, token: String) async throws -> TestResponse {
        let encoded = url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url
        return try await server.client.get("/_matrix/client/v1/media/preview_url?url=\(encoded)", token: token)
    }

    @Test func openGraphPageWithItsImage() async throws {
        try await withPreviewServer { server, port async throws in
            let alice = try await server.register("alice")
            let response = try await preview(server, "http://127.0.0.1:\(port)/page", token: alice.accessToken)
            #expect(response.status == 200, "\(response.json)")
            #expect(response.json["og:title"]?.stringValue == "Caf&eacute; & Bar \u{2013} Menu")
            #expect(response.json["og:description"]?.stringValue == "Fresh coffee, every day")
            #expect(response.json["og:image:type"]?.stringValue == "image/png")
            let mxc = try #require(response.json["og:image"]?.stringValue)
            #expect(mxc.hasPrefix("mxc://\(server.serverName)/"))
            let mediaPath = String(mxc.dropFirst("mxc://".count))
            let image = try await server.client.get("/_matrix/client/v1/media/download/\(mediaPath)", token: alice.accessToken)
            #expect(image.status == 200)
            #expect(image.body.count == Int(response.json["matrix:image:size"]?.intValue ?? -1))

            // Cached: a second preview does not fetch the page again.
            let bob = try await server.register("bob")
            let again = try await preview(server, "http://127.0.0.1:\(port)/page", token: bob.accessToken)
            #expect(again.json["og:title"] == response.json["og:title"])
            let count = try await TestClient(baseURL: "http://127.0.0.1:\(port)").get("/count")
            #expect(String(decoding: count.body, as: UTF8.self) == "1")
        }
    }

    @Test func fallbacksRedirectsAndImages() async throws {
        try await withPreviewServer { server, port async throws in
            let alice = try await server.register("alice")
            let plain = try await preview(server, "http://127.0.0.1:\(port)/plain", token: alice.accessToken)
            #expect(plain.json["og:title"]?.stringValue == "Plain page")
            #expect(plain.json["og:description"]?.stringValue == "Simple")
            #expect(plain.json["og:image"] == nil)
            let moved = try await preview(server, "http://127.0.0.1:\(port)/moved", token: alice.accessToken)
            #expect(moved.json["og:description"]?.stringValue == "Fresh coffee, every day")
            let image = try await preview(server, "http://127.0.0.1:\(port)/image.png", token: alice.accessToken)
            #expect(image.json["og:image"]?.stringValue?.hasPrefix("mxc://") == true)
        }
    }

    @Test func refusals() async throws {
        try await withPreviewServer(allowLoopback: false) { server, port async throws in
            let alice = try await server.register("alice")
            let private_ = try await preview(server, "http://127.0.0.1:\(port)/page", token: alice.accessToken)
            #expect(private_.status == 403)
            #expect(private_.errcode == "M_FORBIDDEN")
            let localhost = try await preview(server, "http://localhost:\(port)/page", token: alice.accessToken)
            #expect(localhost.status == 403)
            let scheme = try await preview(server, "file:///etc/passwd", token: alice.accessToken)
            #expect(scheme.status == 400)
            #expect(scheme.errcode == "M_INVALID_PARAM")
            let missing = try await server.client.get("/_matrix/client/v1/media/preview_url", token: alice.accessToken)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let anonymous = try await server.client.get("/_matrix/client/v1/media/preview_url?url=http%3A%2F%2Fexample.org")
            #expect(anonymous.status == 401)
        }
    }

    @Test func offByDefault() async throws {
        try await withServer { server async throws in
            let alice = try await server.register("alice")
            let response = try await server.client.get(
                "/_matrix/client/v1/media/preview_url?url=http%3A%2F%2Fexample.org", token: alice.accessToken)
            #expect(response.status == 404)
            #expect(response.errcode == "M_UNRECOGNIZED")
        }
    }

    @Test func openGraphScanner() {
        let graph = OpenGraph(html: Array(#"<head><meta content="x" property="og:title"/><meta property=og:type content=website></head>"#.utf8))
        #expect(graph.properties["og:title"] == "x")
        #expect(graph.properties["og:type"] == "website")
        #expect(PreviewURL.resolve("img/a.png", against: "https://example.org/dir/page.html?q=1") == "https://example.org/dir/img/a.png")
        #expect(PreviewURL.resolve("//cdn.example.org/a.png", against: "https://example.org/") == "https://cdn.example.org/a.png")
        #expect(PreviewURL.resolve("javascript:alert(1)", against: "https://example.org/") == nil)
        #expect(PreviewURL.validated("https://example.org/a b") == nil)
    }
}
