import Foundation
import MatrixCore
import MyelinFederation
import MyelinServer
import MyelinTestSupport
import Testing

/// Homeservers that federate with each other over TLS on loopback, as real servers do: each is named
/// `127.0.0.1:PORT` after its TLS port (an IP literal with a port: no .well-known, no SRV), shares one
/// self-signed certificate for 127.0.0.1, trusts it for outbound requests and may reach loopback.
enum FederationTestSupport {
    /// The body limit of `/send` (FederationRoutes.maxTransactionBytes).
    static let maxTransactionBytes = 4 * 1024 * 1024

    /// The test certificate (`TestCertificate`), made once per process.
    static func certificate() async throws -> (cert: String, key: String) {
        try await CertificateCache.shared.get()
    }

    /// Federation settings for tests: no notaries, and retries after 0.5 s doubling to 2 s, so a peer that
    /// comes back is caught up within a test's patience.
    static var quickRetries: FederationSettings {
        var settings = FederationSettings()
        settings.trustedKeyServers = []
        settings.retryInitialMs = 500
        settings.retryMaxMs = 2000
        return settings
    }

    /// Starts a federating server named `host:PORT` (`localhost` exercises name resolution and certificate
    /// host names; the certificate covers both); `configure` adjusts it further.
    static func startServer(federation: FederationSettings? = nil, host: String = "127.0.0.1",
                            _ configure: @escaping (inout MyelinConfig) -> Void = { _ in }) async throws -> TestServer {
        let (cert, key) = try await certificate()
        var lastError: (any Error)? = nil
        // The port may be taken between choosing and binding it: try a few.
        for _ in 0..<5 {
            let port = try ServerProcess.freePort()
            do {
                return try await TestServer.start(federation: federation, realFederation: true) { config in
                    config.serverName = "\(host):\(port)"
                    config.tlsCertificatePath = cert
                    config.tlsPrivateKeyPath = key
                    config.tlsAddress = "127.0.0.1"
                    config.tlsPort = port
                    config.outboundAllowPrivateAddresses = true
                    config.outboundExtraCAFile = cert
                    config.federationTrustedKeyServers = []
                    configure(&config)
                }
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestFailure("no server started")
    }

    /// Runs `body` with two federating servers, `127.0.0.1:PORT` and `localhost:PORT` (so a server ACL can
    /// tell them apart), and always stops both.
    static func withTwoServers(federation: FederationSettings? = nil,
                               _ body: (TestServer, TestServer) async throws -> Void) async throws {
        let a = try await startServer(federation: federation)
        let b: TestServer
        do { b = try await startServer(federation: federation, host: "localhost") } catch { try? await a.stop(); throw error }
        do {
            try await body(a, b)
        } catch {
            try? await a.stop()
            try? await b.stop()
            throw error
        }
        try await a.stop()
        try await b.stop()
    }

    /// Waits (bounded) until `condition` holds, checking every 100 ms.
    static func eventually(_ what: String, within seconds: Double = 30,
                           _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("timed out waiting for \(what)")
    }
}

extension ClientAPIPeer {
    /// The bodies of the `m.room.message` events `user` sees in the room through `/messages` (newest last).
    func messageBodies(_ user: TestServer.User, _ roomId: String) async throws -> [String] {
        let response = try await client.get(roomPath(roomId, "messages?dir=b&limit=100"), token: user.accessToken)
        guard response.status == 200 else { return [] }
        let chunk = response.json["chunk"]?.arrayValue ?? []
        return chunk.reversed().compactMap { event in
            event["type"]?.stringValue == "m.room.message" ? event["content"]?["body"]?.stringValue : nil
        }
    }

    /// The membership of `userId` in the room as `user` sees it.
    func membership(_ user: TestServer.User, _ roomId: String, of userId: String) async throws -> String? {
        let response = try await client.get(
            roomPath(roomId, "state/m.room.member/\(Self.segment(userId))"), token: user.accessToken)
        return response.status == 200 ? response.json["membership"]?.stringValue : nil
    }
}

/// The one test certificate, made on first use.
actor CertificateCache {
    static let shared = CertificateCache()
    /// One making for every caller: tests start servers concurrently, and each must trust the same certificate.
    private var making: Task<(cert: String, key: String), any Error>?

    func get() async throws -> (cert: String, key: String) {
        if let making { return try await making.value }
        let task = Task { try await Self.make() }
        making = task
        return try await task.value
    }

    private static func make() async throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-fed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try await ChildProcess.offPool { Result { try TestCertificate.make(in: dir) } }.get()
    }
}
