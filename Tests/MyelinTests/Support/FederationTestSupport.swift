import Foundation
import Glibc
import MatrixCore
import MyelinServer
import MyelinTLS
import Testing

/// Homeservers that federate with each other over TLS on loopback, as real servers do: each is named
/// `127.0.0.1:PORT` after its TLS port (an IP literal with a port: no .well-known, no SRV), shares one
/// self-signed certificate for 127.0.0.1, trusts it for outbound requests and may reach loopback.
enum FederationTestSupport {
    /// A certificate for 127.0.0.1 and localhost, written to a temporary folder once per process.
    static let certificate: (cert: String, key: String) = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-fed-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let pair = try? SelfSignedCertificate.generate(
            commonName: "127.0.0.1", dnsNames: ["localhost"], ipAddresses: [[127, 0, 0, 1]])
        {
            try? pair.certificatePEM.write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
            try? pair.privateKeyPEM.write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
        }
        return (dir + "/cert.pem", dir + "/key.pem")
    }()

    /// A loopback TCP port nobody listens on right now (the server binds it a moment later).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts a federating server; `configure` adjusts it further.
    static func startServer(_ configure: @escaping (inout MyelinConfig) -> Void = { _ in }) async throws -> TestServer {
        let (cert, key) = certificate
        var lastError: (any Error)? = nil
        // The port may be taken between choosing and binding it: try a few.
        for _ in 0..<5 {
            let port = try freePort()
            do {
                return try await TestServer.start(realFederation: true) { config in
                    config.serverName = "127.0.0.1:\(port)"
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

extension TestServer {
    /// The bodies of the `m.room.message` events `user` sees in the room through `/messages` (newest last).
    func messageBodies(_ user: User, _ roomId: String) async throws -> [String] {
        let response = try await client.get(roomPath(roomId, "messages?dir=b&limit=100"), token: user.accessToken)
        guard response.status == 200 else { return [] }
        let chunk = response.json["chunk"]?.arrayValue ?? []
        return chunk.reversed().compactMap { event in
            event["type"]?.stringValue == "m.room.message" ? event["content"]?["body"]?.stringValue : nil
        }
    }

    /// The membership of `userId` in the room as `user` sees it.
    func membership(_ user: User, _ roomId: String, of userId: String) async throws -> String? {
        let response = try await client.get(
            roomPath(roomId, "state/m.room.member/\(Self.segment(userId))"), token: user.accessToken)
        return response.status == 200 ? response.json["membership"]?.stringValue : nil
    }
}
