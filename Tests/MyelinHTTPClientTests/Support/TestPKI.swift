import Foundation
import MyelinTestSupport

/// A throwaway PKI made with the openssl CLI once per test run: a CA, and leaf certificates for the
/// cases the tests need. Every key is EC P-256 (fast, and what mbedTLS verifies quickest).
struct TestPKI: Sendable {
    let directory: String
    var caCertificate: String { path("ca.pem") }

    /// `localhost`, IP 127.0.0.1 and ::1, signed by the CA.
    var server: (cert: String, key: String) { (path("server.pem"), path("server.key")) }
    /// `localhost` only: no iPAddress SAN.
    var noIP: (cert: String, key: String) { (path("noip.pem"), path("noip.key")) }
    /// `wrong.example.org`, signed by the CA.
    var wrongHost: (cert: String, key: String) { (path("wronghost.pem"), path("wronghost.key")) }
    /// Valid names, signed by the CA, but valid only on 1 January 2020.
    var expired: (cert: String, key: String) { (path("expired.pem"), path("expired.key")) }
    /// Valid names, self-signed: an unknown CA.
    var selfSigned: (cert: String, key: String) { (path("selfsigned.pem"), path("selfsigned.key")) }

    private func path(_ name: String) -> String { directory + "/" + name }

    static let shared: Result<TestPKI, any Error> = Result { try TestPKI() }

    static func get() throws -> TestPKI { try shared.get() }

    private init() throws {
        let prefix = "myelin-httpclient-pki-"
        // Remove what earlier runs left behind (their process is gone), then make this run's.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        where name.hasPrefix(prefix) {
            if let pid = Int32(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) == 0 { continue }
            try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + name)
        }
        directory = NSTemporaryDirectory() + prefix + "\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Our own minimal configs, so the system openssl.cnf cannot add or duplicate extensions.
        try write("req.cnf", """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = placeholder
            [v3_ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [self_signed]
            basicConstraints = CA:FALSE
            subjectAltName = DNS:localhost,IP:127.0.0.1
            """)
        try write("ca.cnf", """
            [ca]
            default_ca = test_ca
            [test_ca]
            database = \(directory)/index.txt
            new_certs_dir = \(directory)
            serial = \(directory)/serial
            default_md = sha256
            policy = policy_any
            unique_subject = no
            [policy_any]
            commonName = supplied
            """)
        try write("index.txt", "")
        try write("serial", "1000\n")
        try write("server.ext", leafExtensions("DNS:localhost,IP:127.0.0.1,IP:::1"))
        try write("noip.ext", leafExtensions("DNS:localhost"))
        try write("wronghost.ext", leafExtensions("DNS:wrong.example.org"))

        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509", "-config", "req.cnf", "-extensions", "v3_ca"] + ecKey +
            ["-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Myelin Test CA"])
        for (name, subject) in [("server", "localhost"), ("noip", "localhost"), ("wronghost", "wrong.example.org")] {
            try openssl(["req", "-new", "-config", "req.cnf"] + ecKey +
                ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(subject)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                         "-CAcreateserial", "-days", "30", "-sha256", "-extfile", "\(name).ext", "-out", "\(name).pem"])
        }
        // openssl 3.0's x509 and req cannot backdate a certificate; `openssl ca` takes explicit dates.
        try openssl(["req", "-new", "-config", "req.cnf"] + ecKey +
            ["-keyout", "expired.key", "-out", "expired.csr", "-subj", "/CN=localhost"])
        try openssl(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
                     "-extfile", "server.ext", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                     "-notext", "-in", "expired.csr", "-out", "expired.pem"])
        try openssl(["req", "-x509", "-config", "req.cnf", "-extensions", "self_signed"] + ecKey +
            ["-keyout", "selfsigned.key", "-out", "selfsigned.pem", "-days", "30", "-subj", "/CN=localhost"])
    }

    private func leafExtensions(_ names: String) -> String {
        """
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = \(names)
        """
    }

    private func write(_ name: String, _ text: String) throws {
        // `openssl ca` rejects an index file holding just a newline.
        try (text.isEmpty ? "" : text + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    private func openssl(_ arguments: [String]) throws {
        let child = try ChildProcess.spawn("/usr/bin/env", ["openssl"] + arguments, directory: directory, stdout: .null)
        let message = child.readToEnd()
        guard child.wait() == 0 else {
            throw FixtureFailure("openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }
}
