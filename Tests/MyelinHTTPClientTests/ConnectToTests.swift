import Foundation
@testable import MyelinHTTPClient
import NIOHTTP1
import Testing

/// `connectTo` and `hostHeader`: the connection goes to one place while TLS checks the URL's host
/// (what federation needs after `.well-known` and SRV), against real TLS servers on loopback.
@Suite(.serialized)
struct ConnectToTests {
    /// What the Python fixture's /whoami reports.
    struct WhoAmI: Decodable {
        let port: Int
        let host: String?
    }

    func whoami(_ client: HTTPClient, _ request: HTTPClientRequest) async throws -> WhoAmI {
        let response = try await client.execute(request)
        #expect(response.status == .ok)
        return try JSONDecoder().decode(WhoAmI.self, from: Data(response.body.readableBytesView))
    }

    @Test func connectsToTheOverrideAndVerifiesTheURLHost() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        // The URL's port (443) is not where the connection goes; the certificate names `localhost`.
        let byAddress = try await whoami(client, .init(url: "https://localhost/whoami",
                                                       connectTo: .init(host: "127.0.0.1", port: peer.port)))
        #expect(byAddress.port == peer.port)
        #expect(byAddress.host == "localhost")
        // A connect host name is looked up like a URL's.
        let byName = try await whoami(client, .init(url: "https://localhost:8448/whoami",
                                                    connectTo: .init(host: "localhost", port: peer.port)))
        #expect(byName.port == peer.port)
        #expect(byName.host == "localhost:8448")
        await client.shutdown()
    }

    @Test func refusesACertificateThatDoesNotNameTheURLHost() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        // Connecting to an address the certificate lists does not help: the URL's host is checked.
        let error = await clientError {
            _ = try await client.execute(.init(url: "https://matrix.example.org/ok",
                                               connectTo: .init(host: "127.0.0.1", port: peer.port)))
        }
        #expect(error?.kind == "tls")
        #expect(error?.verification?.contains("CN") == true, "\(String(describing: error))")
        await client.shutdown()
    }

    @Test func sendsTheHostHeaderOverride() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let seen = try await whoami(client, .init(url: "https://localhost/whoami", headers: ["Host": "ignored"],
                                                  connectTo: .init(host: "127.0.0.1", port: peer.port),
                                                  hostHeader: "example.org:8448"))
        #expect(seen.host == "example.org:8448")
        let injected = await clientError {
            _ = try await client.execute(.init(url: "https://localhost/ok", hostHeader: "a\r\nInjected: yes"))
        }
        #expect(injected?.kind == "invalidRequest")
        await client.shutdown()
    }

    @Test func differentRoutesNeverShareAConnection() async throws {
        let pki = try TestPKI.get()
        let first = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let second = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let url = "https://localhost/whoami"
        for peer in [first, second, first, second] {
            let seen = try await whoami(client, .init(url: url, connectTo: .init(host: "127.0.0.1", port: peer.port)))
            #expect(seen.port == peer.port)
        }
        // The URL without an override is yet another route (to port 443 here, which nothing serves).
        #expect(await clientError { _ = try await client.execute(.init(url: url)) }?.kind == "connectFailed")
        // Each route kept its one connection for both of its requests.
        let base = "https://localhost:\(first.port)"
        #expect(try await stats(client, base).connections == 2) // the reused one, plus this /stats route
        await client.shutdown()
    }

    @Test func theAddressGuardAppliesToTheOverride() async throws {
        let peer = try await PeerProcess.python()
        var guarded = HTTPClientConfiguration()
        guarded.tls = .init(caDirectory: nil, extraCAFile: try TestPKI.get().caCertificate)
        let client = try HTTPClient(configuration: guarded)
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let error = await clientError {
                _ = try await client.execute(.init(url: "http://example.org/ok", connectTo: .init(host: host, port: peer.port)))
            }
            #expect(error?.kind == "addressRefused", "\(host): \(String(describing: error))")
        }
        await client.shutdown()
    }

    @Test func followsSameOriginRedirectsOnTheSameRoute() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let route = HTTPClientEndpoint(host: "127.0.0.1", port: peer.port)
        // Redirects are off in the configuration; the request's own limit turns them on.
        let refused = await clientError { _ = try await client.execute(.init(url: "https://localhost/redirect", connectTo: route)) }
        #expect(refused?.kind == "redirectRefused")
        let followed = try await client.execute(.init(url: "https://localhost/redirect", connectTo: route, maxRedirects: 2))
        #expect(followed.body.text == "ok")
        await client.shutdown()
    }

    @Test func parsesTheOverrideStrictly() throws {
        let v6 = try RequestTarget("https://example.org/x", connectTo: .init(host: "[2001:DB8::1]", port: 8448))
        #expect(v6.host == "example.org" && v6.port == 443 && v6.hostHeader == "example.org")
        #expect(v6.route.host == "2001:db8::1" && v6.route.ipAddress?.bytes.count == 16 && v6.route.port == 8448)
        let named = try RequestTarget("https://example.org/x", connectTo: .init(host: "Matrix.Example.ORG.", port: 443))
        #expect(named.route.host == "matrix.example.org" && named.route.ipAddress == nil)
        let plain = try RequestTarget("https://example.org:8448/x")
        #expect(plain.route == .init(host: "example.org", ipAddress: nil, port: 8448))
        #expect(Destination(v6) != Destination(plain))
        for bad in [HTTPClientEndpoint(host: "a b", port: 1), .init(host: "", port: 1), .init(host: "ok.org", port: 0),
                    .init(host: "ok.org", port: 70000), .init(host: "fe80::1%eth0", port: 1)] {
            #expect(throws: HTTPClientError.self, "\(bad)") { try RequestTarget("https://example.org/", connectTo: bad) }
        }
    }
}
