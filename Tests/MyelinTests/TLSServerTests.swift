import Foundation
import MatrixCore
import MyelinServer
import MyelinTLS
import MyelinHTTPClient
import NIOCore
import Testing

/// The mbedTLS server against real TLS peers on loopback: Python's ssl module and openssl s_client.
@Suite struct TLSServerTests {
    /// A self-signed certificate for localhost/127.0.0.1 in a temporary folder.
    static func certificate() throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pair = try SelfSignedCertificate.generate(
            commonName: "localhost", dnsNames: ["localhost"], ipAddresses: [[127, 0, 0, 1]])
        try pair.certificatePEM.write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        try pair.privateKeyPEM.write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
        return (dir + "/cert.pem", dir + "/key.pem")
    }

    /// A test server with a TLS listener on an ephemeral loopback port; `body` gets it, the TLS port and
    /// the certificate (its own CA).
    static func withTLSServer(handshakeTimeout: Int = 10, configure: (inout MyelinConfig, String) -> Void = { _, _ in },
                              _ body: (TestServer, Int, String) async throws -> Void) async throws {
        let (cert, key) = try certificate()
        try await withServer({ config in
            config.tlsCertificatePath = cert
            config.tlsPrivateKeyPath = key
            config.tlsAddress = "127.0.0.1"
            config.tlsPort = 0
            config.tlsHandshakeTimeoutS = handshakeTimeout
            config.maxBodyBytes = 2 << 20
            configure(&config, cert)
        }) { server async throws in
            let port = try #require(server.tlsPort)
            try await body(server, port, cert)
        }
    }

    func withTLSServer(handshakeTimeout: Int = 10, _ body: (TestServer, Int, String) async throws -> Void)
        async throws
    {
        try await Self.withTLSServer(handshakeTimeout: handshakeTimeout, body)
    }

    func python(_ args: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
        try await runProgram([testPython, interopDirectory.appendingPathComponent("tls_client.py").path] + args,
                             timeout: timeout)
    }

    @Test func pythonRequestKeepAlivePipelining() async throws {
        try await withTLSServer { _, port, cert async throws in
            for args in [["request"], ["keepalive", "50"], ["pipeline", "20"]] {
                let result = try await python([args[0], String(port), cert] + args.dropFirst())
                #expect(result.status == 0, "\(args): \(result.output)")
            }
        }
    }

    @Test func oneMegabyteUpAndDown() async throws {
        // The megabyte travels as one account data entry: far over the default per-entry quota.
        try await Self.withTLSServer(configure: { config, _ in config.accountDataMaxEntryBytes = 2 << 20 })
        { server, port, cert async throws in
            let alice = try await server.register("alice")
            let result = try await python(["bigio", String(port), cert, alice.accessToken, alice.userId])
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test func stalledHandshakeIsCutOff() async throws {
        // The HTTP idle timeout is set far away, so only the handshake timeout can hang up. The client
        // waits up to 150 s: not a figure, only "cut off" against "held forever" (a loaded parallel run
        // has delayed the 1 s timer by over 15 s).
        try await Self.withTLSServer(handshakeTimeout: 1, configure: { config, _ in config.httpIdleTimeoutS = 3600 })
        { server, port, cert async throws in
            let result = try await python(["stall", String(port), cert, "150"], timeout: .seconds(200))
            #expect(result.status == 0, "\(result.output)")
            // The server is fine afterwards.
            let again = try await python(["request", String(port), cert])
            #expect(again.status == 0, "\(again.output)")
            _ = server
        }
    }

    @Test func opensslClientVerifiesAndGetsAnAnswer() async throws {
        try await withTLSServer { _, port, cert async throws in
            let request = "GET /_matrix/client/versions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            let result = try await runProgram(
                ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", cert, "-servername", "localhost",
                 "-verify_hostname", "localhost", "-alpn", "http/1.1", "-ign_eof"],
                input: request, timeout: .seconds(20))
            #expect(result.output.contains("Verify return code: 0 (ok)"), "\(result.output)")
            #expect(result.output.contains("ALPN protocol: http/1.1"))
            #expect(result.output.contains("HTTP/1.1 200"))
            #expect(result.output.contains("\"versions\""))
        }
    }

    /// The server's offer: X25519 first, P-256 before the larger curves, AEAD suites only (no CBC, no
    /// SHA-1), checked with openssl as a client.
    @Test func theServerOffersX25519AndAEADSuitesOnly() async throws {
        try await withTLSServer { _, port, cert async throws in
            func handshake(_ extra: [String]) async throws -> String {
                try await runProgram(
                    ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", cert, "-servername", "localhost",
                     "-tls1_2"] + extra,
                    input: "", timeout: .seconds(20)).output
            }
            let standard = try await handshake([])
            #expect(standard.contains("Server Temp Key: X25519"), "\(standard)")
            #expect(standard.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "\(standard)")
            // A client that prefers the big curves still gets P-256 (the server's order decides).
            let curves = try await handshake(["-curves", "P-521:P-384:P-256"])
            #expect(curves.contains("Server Temp Key: ECDH, prime256v1") || curves.contains("Server Temp Key: ECDH, P-256"),
                    "\(curves)")
            // CBC and SHA-1 suites are not offered: a client asking only for them gets no handshake.
            for suite in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"] {
                let refused = try await handshake(["-cipher", suite])
                #expect(!refused.contains("Cipher is \(suite)"), "\(suite): \(refused)")
                #expect(refused.contains("Cipher is (NONE)") || refused.contains("alert"), "\(suite): \(refused)")
            }
            // ChaCha20-Poly1305 for clients that prefer it.
            let chacha = try await handshake(["-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
            #expect(chacha.contains("ECDHE-ECDSA-CHACHA20-POLY1305"), "\(chacha)")
        }
    }

    @Test func plainHTTPStillServedBesideTLS() async throws {
        try await withTLSServer { server, _, _ async throws in
            #expect(try await server.client.get("/_matrix/client/versions").status == 200)
        }
    }

    @Test func bothOrNeitherCertificateKey() {
        #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.load(path: nil, environment: ["MYELIN_TLS__CERTIFICATE_PATH": "/tmp/x.pem"])
        }
    }

    @Test func badCertificateFilesStopStartupWithAMessage() async throws {
        var config = MyelinConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-\(UUID())").path
        config.tlsCertificatePath = "/nonexistent/cert.pem"
        config.tlsPrivateKeyPath = "/nonexistent/key.pem"
        config.listenPort = 0
        let server = try await Homeserver.open(config: config, logger: .init(label: "t"), passwordParameters: .minimal)
        do {
            _ = try server.makeServices()
            Issue.record("missing certificate files were accepted")
        } catch {
            #expect("\(error)".contains("/nonexistent/cert.pem"))
        }
        try await server.database.close()
    }
}

@Suite struct OutboundConfigTests {
    @Test func outboundSectionReachesTheClient() throws {
        let config = try ConfigLoader.load(path: nil, environment: [
            "MYELIN_OUTBOUND__ALLOW_PRIVATE_ADDRESSES": "false",
            "MYELIN_OUTBOUND__ALLOWED_NETWORKS": "192.168.1.0/24,fd00::/8",
            "MYELIN_OUTBOUND__MAX_CONNECTIONS_PER_DESTINATION": "2",
        ])
        let client = config.outboundClientConfiguration
        #expect(client.allowedPrivateNetworks == ["192.168.1.0/24", "fd00::/8"])
        #expect(client.maxConnectionsPerDestination == 2)
        #expect(!client.allowPrivateAddresses)
        #expect(client.followRedirects == false)
    }

    @Test func badAllowlistStopsStartup() {
        #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.load(path: nil, environment: ["MYELIN_OUTBOUND__ALLOWED_NETWORKS": "10.0.0.0/99"])
        }
    }
}

/// The server's own outbound client against its own TLS listener: the private-address guard, then
/// verification with an extra CA file once loopback is allowed.
@Suite struct OutboundClientLoopTests {
    @Test func guardRefusesLoopbackUntilAllowed() async throws {
        try await TLSServerTests.withTLSServer(configure: { config, cert in config.outboundExtraCAFile = cert }) {
            server, port, _ async throws in
            let url = "https://localhost:\(port)/_matrix/client/versions"
            let guarded = try server.running.homeserver.makeOutboundClient()
            do {
                _ = try await guarded.execute(HTTPClientRequest(url: url))
                Issue.record("a loopback address was reached with the guard on")
            } catch let error as HTTPClientError {
                guard case .addressRefused = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
            }
            await guarded.shutdown()

            var config = server.running.homeserver.config
            config.outboundAllowedNetworks = ["127.0.0.0/8", "::1/128"]
            let allowed = try HTTPClient(configuration: config.outboundClientConfiguration)
            let response = try await allowed.execute(HTTPClientRequest(url: url))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("versions"))
            await allowed.shutdown()
        }
    }
}
