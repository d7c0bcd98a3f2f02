import Foundation

/// A throwaway TLS certificate for 127.0.0.1 and localhost, made with the openssl CLI: the one federation
/// tests and the federation benchmark serve and trust. A self-signed end-entity certificate (not a CA):
/// mbedTLS trusts such a certificate found in its trust list, but not a self-signed CA serving as a leaf;
/// and made by openssl because Python's `cryptography` (under Synapse) refuses the DER mbedTLS 2.28 writes
/// for ECDSA certificates (a NULL parameter in the signature algorithm).
public enum TestCertificate {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes `cert.pem` and `key.pem` into `directory` (blocking: call it off the cooperative pool).
    public static func make(in directory: String) throws -> (cert: String, key: String) {
        try """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = 127.0.0.1
            [leaf]
            basicConstraints = CA:FALSE
            subjectAltName = IP:127.0.0.1,DNS:localhost
            """.write(toFile: directory + "/req.cnf", atomically: true, encoding: .utf8)
        let child = try ChildProcess.spawn("/usr/bin/env", [
            "openssl", "req", "-x509", "-config", directory + "/req.cnf", "-extensions", "leaf", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ])
        let output = child.readToEnd()
        guard child.wait() == 0 else {
            throw Failure(description: "openssl failed: \(String(decoding: output, as: UTF8.self))")
        }
        return (directory + "/cert.pem", directory + "/key.pem")
    }
}
