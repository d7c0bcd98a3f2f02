import MyelinHTTPClient
import Testing

/// Certificate verification against real TLS servers (Python's ssl and openssl s_server) with a CA
/// made for the run.
@Suite(.serialized)
struct TLSVerificationTests {
    @Test func verifiesAHostNameWithTheTestCA() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let response = try await client.execute(.init(url: "https://localhost:\(peer.port)/ok"))
        #expect(response.status == .ok)
        #expect(response.body.text == "ok")
        await client.shutdown()
    }

    @Test func refusesACertificateForAnotherHost() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.opensslServer(cert: pki.wrongHost.cert, key: pki.wrongHost.key)
        let client = try makeClient()
        let error = await clientError { _ = try await client.execute(.init(url: "https://localhost:\(peer.port)/")) }
        #expect(error?.kind == "tls")
        #expect(error?.verification?.contains("CN") == true, "\(String(describing: error))")
    }

    @Test func refusesAnExpiredCertificate() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.opensslServer(cert: pki.expired.cert, key: pki.expired.key)
        let client = try makeClient()
        let error = await clientError { _ = try await client.execute(.init(url: "https://localhost:\(peer.port)/")) }
        #expect(error?.kind == "tls")
        #expect(error?.verification?.contains("expired") == true, "\(String(describing: error))")
    }

    @Test func refusesAnUnknownCA() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.opensslServer(cert: pki.selfSigned.cert, key: pki.selfSigned.key)
        let client = try makeClient()
        let error = await clientError { _ = try await client.execute(.init(url: "https://localhost:\(peer.port)/")) }
        #expect(error?.kind == "tls")
        #expect(error?.verification?.contains("trusted CA") == true, "\(String(describing: error))")
    }

    @Test func acceptsAnUnknownCAWhenVerificationIsOff() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.opensslServer(cert: pki.selfSigned.cert, key: pki.selfSigned.key)
        let client = try makeClient { $0.tls.verifyCertificates = false }
        // s_server -www answers HTTP/1.0 and closes: a body delimited by the end of the connection.
        let response = try await client.execute(.init(url: "https://127.0.0.1:\(peer.port)/"))
        #expect(response.status == .ok)
        #expect(response.body.text.contains("Ciphers supported"))
    }

    @Test func verifiesAnIPv4LiteralAgainstTheIPAddressSAN() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.python(cert: pki.server.cert, key: pki.server.key)
        let client = try makeClient()
        let response = try await client.execute(.init(url: "https://127.0.0.1:\(peer.port)/ok"))
        #expect(response.body.text == "ok")
    }

    @Test func verifiesAnIPv6LiteralAgainstTheIPAddressSAN() async throws {
        let pki = try TestPKI.get()
        guard let peer = try? await PeerProcess.python(cert: pki.server.cert, key: pki.server.key, host: "::1") else {
            return // no IPv6 loopback here
        }
        let client = try makeClient()
        let response = try await client.execute(.init(url: "https://[::1]:\(peer.port)/ok"))
        #expect(response.body.text == "ok")
    }

    @Test func refusesAnIPLiteralMissingFromTheSANs() async throws {
        let pki = try TestPKI.get()
        let peer = try await PeerProcess.opensslServer(cert: pki.noIP.cert, key: pki.noIP.key)
        let client = try makeClient()
        // The same certificate is fine by name, so the refusal below is the IP check's doing.
        let byName = try await client.execute(.init(url: "https://localhost:\(peer.port)/"))
        #expect(byName.status == .ok)
        let error = await clientError { _ = try await client.execute(.init(url: "https://127.0.0.1:\(peer.port)/")) }
        #expect(error?.kind == "tls")
        #expect(error?.verification?.contains("iPAddress SANs") == true, "\(String(describing: error))")
    }
}
