import MyelinHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// Timeouts, size limits and redirects. The timeouts are short and the margins generous: these check
/// which error comes out, not how fast.
@Suite(.serialized)
struct LimitTests {
    @Test func connectTimesOut() async throws {
        let blackhole = try await PeerProcess.blackhole()
        let client = try makeClient { $0.connectTimeout = .milliseconds(300) }
        let error = await clientError { _ = try await client.execute(.init(url: "http://127.0.0.1:\(blackhole.port)/")) }
        // The kind is the check: an elapsed-time bound failed on a loaded CI machine.
        #expect(error?.kind == "connectTimeout", "\(String(describing: error))")
    }

    @Test func readTimesOut() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient { $0.readTimeout = .milliseconds(300) }
        let error = await clientError {
            _ = try await client.execute(.init(url: "http://127.0.0.1:\(peer.port)/slow?delay=3"))
        }
        #expect(error?.kind == "readTimeout", "\(String(describing: error))")
    }

    @Test func totalTimeoutBoundsASlowTrickle() async throws {
        let peer = try await PeerProcess.python()
        // A byte every 100 ms never trips the read timeout, but the whole takes 3 s.
        let client = try makeClient {
            $0.readTimeout = .seconds(1)
            $0.totalTimeout = .milliseconds(600)
        }
        let url = "http://127.0.0.1:\(peer.port)/drip?count=30&interval=0.1"
        let error = await clientError { _ = try await client.execute(.init(url: url)) }
        #expect(error?.kind == "totalTimeout", "\(String(describing: error))")
        // The per-request timeout overrides the configuration.
        let response = try await client.execute(.init(url: "http://127.0.0.1:\(peer.port)/drip?count=5&interval=0.1",
                                                      timeout: .seconds(5)))
        #expect(response.body.readableBytes == 5)
    }

    @Test func refusesAnOversizedBody() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient { $0.maxResponseBodyBytes = 100_000 }
        let base = "http://127.0.0.1:\(peer.port)"
        // Announced by Content-Length, and found out while reading a chunked body.
        for query in ["n=100001", "n=300000&chunked=1"] {
            let error = await clientError { _ = try await client.execute(.init(url: base + "/big?" + query)) }
            #expect(error?.kind == "responseTooLarge", "\(query): \(String(describing: error))")
        }
        let fits = try await client.execute(.init(url: base + "/big?n=100000"))
        #expect(fits.body.readableBytes == 100_000)
        // The per-request limit overrides the configuration.
        let large = try await client.execute(.init(url: base + "/big?n=300000", maxResponseBodyBytes: 1_000_000))
        #expect(large.body.readableBytes == 300_000)
    }

    @Test func refusesAnOversizedStream() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient { $0.maxResponseBodyBytes = 200_000 }
        let base = "https://localhost:\(peer.port)"
        let announced = await clientError { _ = try await client.stream(.init(url: base + "/big?n=200001")) }
        #expect(announced?.kind == "responseTooLarge")

        let response = try await client.stream(.init(url: base + "/big?n=1000000&chunked=1"))
        var received = 0
        let error = await clientError {
            for try await chunk in response.body { received += chunk.readableBytes }
        }
        #expect(error?.kind == "responseTooLarge", "\(String(describing: error))")
        #expect(received <= 200_000)
    }

    @Test func streamsALargeBodyToASlowConsumer() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient { $0.readTimeout = .milliseconds(500) }
        let response = try await client.stream(.init(url: "https://localhost:\(peer.port)/big?n=5000000"))
        #expect(response.status == .ok)
        var received = 0
        var chunks = 0
        for try await chunk in response.body {
            received += chunk.readableBytes
            chunks += 1
            // Slower than the read timeout in total: pausing for the consumer is not the server's silence.
            if chunks % 20 == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(received == 5_000_000)
    }

    @Test func refusesRedirectsByDefault() async throws {
        let peer = try await PeerProcess.python()
        let base = "http://127.0.0.1:\(peer.port)"
        let client = try makeClient()
        let error = await clientError { _ = try await client.execute(.init(url: base + "/redirect")) }
        #expect(error?.kind == "redirectRefused")
        #expect("\(String(describing: error))".contains("\(base)/ok"))
        let streamError = await clientError { _ = try await client.stream(.init(url: base + "/redirect")) }
        #expect(streamError?.kind == "redirectRefused")

        let following = try makeClient { $0.followRedirects = true }
        let response = try await following.execute(.init(url: base + "/redirect"))
        #expect(response.body.text == "ok")
    }
}

@Suite(.serialized)
struct AddressGuardTests {
    @Test func refusesLoopbackWithoutConnecting() async throws {
        let peer = try await PeerProcess.python()
        var guarded = HTTPClientConfiguration()
        guarded.tls = .init(caDirectory: nil, extraCAFile: try TestPKI.get().caCertificate)
        let client = try HTTPClient(configuration: guarded)
        for url in ["http://127.0.0.1:\(peer.port)/ok", "http://localhost:\(peer.port)/ok",
                    "https://127.0.0.1:\(peer.port)/ok", "http://[::ffff:127.0.0.1]:\(peer.port)/ok"] {
            let error = await clientError { _ = try await client.execute(.init(url: url)) }
            #expect(error?.kind == "addressRefused", "\(url): \(String(describing: error))")
        }
        // Only this request, made by an allowed client, ever reached the server.
        let seen = try await stats(try makeClient(), "http://127.0.0.1:\(peer.port)")
        #expect(seen.connections == 1)
    }

    @Test func allowsWhatTheConfigurationAllows() async throws {
        let peer = try await PeerProcess.python()
        let url = "http://127.0.0.1:\(peer.port)/ok"
        let allowlisted = try makeClient { $0.allowedPrivateNetworks = ["127.0.0.1"] }
        #expect(try await allowlisted.execute(.init(url: url)).body.text == "ok")
        let open = try makeClient {
            $0.allowedPrivateNetworks = []
            $0.allowPrivateAddresses = true
        }
        #expect(try await open.execute(.init(url: url)).body.text == "ok")
        let otherNetwork = try makeClient { $0.allowedPrivateNetworks = ["10.0.0.0/8"] }
        #expect(await clientError { _ = try await otherNetwork.execute(.init(url: url)) }?.kind == "addressRefused")
    }
}

@Suite(.serialized)
struct PlainHTTPTests {
    @Test func getsAndPostsOverPlainHTTP() async throws {
        let peer = try await PeerProcess.python()
        let client = try makeClient()
        let base = "http://127.0.0.1:\(peer.port)"
        let ok = try await client.execute(.init(url: base + "/ok"))
        #expect(ok.status == .ok)
        #expect(ok.body.text == "ok")
        let echoed = try await client.execute(.init(method: .POST, url: base + "/echo",
                                                    headers: ["Content-Type": "application/json"],
                                                    body: ByteBuffer(string: #"{"hello":"world"}"#)))
        #expect(echoed.body.text == #"{"hello":"world"}"#)
        let missing = try await client.execute(.init(url: base + "/nothing-here"))
        #expect(missing.status == .notFound)
        let seen = try await stats(client, base)
        #expect(seen.connections == 1)
    }

    @Test func refusesBadRequestsBeforeSending() async throws {
        let client = try makeClient()
        for url in ["ftp://example.org/", "http://user@example.org/", "http://example.org:99999/",
                    "http://exa mple.org/", "http://example.org/a b", "http://::1/", "example.org/path"] {
            #expect(await clientError { _ = try await client.execute(.init(url: url)) }?.kind == "invalidURL", "\(url)")
        }
        let injected = await clientError {
            _ = try await client.execute(.init(url: "http://127.0.0.1:1/", headers: ["X-Bad": "a\r\nInjected: yes"]))
        }
        #expect(injected?.kind == "invalidRequest")
    }

    @Test func failsCleanlyWhenNothingListens() async throws {
        let client = try makeClient()
        // Port 1 on loopback: nothing listens there, so the kernel refuses at once.
        let error = await clientError { _ = try await client.execute(.init(url: "http://127.0.0.1:1/")) }
        #expect(error?.kind == "connectFailed", "\(String(describing: error))")
        let dns = await clientError { _ = try await client.execute(.init(url: "http://no-such-host.invalid/")) }
        #expect(dns?.kind == "dnsFailure", "\(String(describing: dns))")
    }
}
