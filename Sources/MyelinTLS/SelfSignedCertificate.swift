import CMbedTLS
import Glibc

/// A self-signed certificate and its ECDSA P-256 key, in PEM, for tests and LAN setups
/// (`myelin generate-keys --tls-cert F --tls-key F`). mbedTLS 2.28 has no helper for subjectAltName,
/// so that extension is DER-encoded here.
public enum SelfSignedCertificate {
    public struct Output: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
    }

    /// - Parameters:
    ///   - commonName: the subject CN (the server name).
    ///   - dnsNames / ipAddresses: subjectAltName entries (IPv4 as 4 bytes, IPv6 as 16).
    ///   - days: validity from now (it starts a day back, to absorb clock skew).
    public static func generate(commonName: String, dnsNames: [String], ipAddresses: [[UInt8]], days: Int = 3650)
        throws -> Output
    {
        let entropy = UnsafeMutablePointer<mbedtls_entropy_context>.allocate(capacity: 1)
        let drbg = UnsafeMutablePointer<mbedtls_ctr_drbg_context>.allocate(capacity: 1)
        let key = UnsafeMutablePointer<mbedtls_pk_context>.allocate(capacity: 1)
        let writer = UnsafeMutablePointer<mbedtls_x509write_cert>.allocate(capacity: 1)
        let serial = UnsafeMutablePointer<mbedtls_mpi>.allocate(capacity: 1)
        mbedtls_entropy_init(entropy)
        mbedtls_ctr_drbg_init(drbg)
        mbedtls_pk_init(key)
        mbedtls_x509write_crt_init(writer)
        mbedtls_mpi_init(serial)
        defer {
            mbedtls_mpi_free(serial)
            mbedtls_x509write_crt_free(writer)
            mbedtls_pk_free(key)
            mbedtls_ctr_drbg_free(drbg)
            mbedtls_entropy_free(entropy)
            serial.deallocate()
            writer.deallocate()
            key.deallocate()
            drbg.deallocate()
            entropy.deallocate()
        }
        let personalisation = Array("myelin-self-signed".utf8)
        try check(mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, personalisation, personalisation.count),
                  "seeding the random generator")
        try check(mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "setting up the key")
        try check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.pointee), mbedtls_ctr_drbg_random, drbg),
                  "generating the P-256 key")

        var serialBytes = [UInt8](repeating: 0, count: 16)
        try check(mbedtls_ctr_drbg_random(drbg, &serialBytes, serialBytes.count), "drawing a serial number")
        serialBytes[0] &= 0x7F  // a positive INTEGER
        try check(mbedtls_mpi_read_binary(serial, serialBytes, serialBytes.count), "setting the serial number")

        let subject = "CN=" + commonName.replacingCommasAndEquals()
        mbedtls_x509write_crt_set_version(writer, MBEDTLS_X509_CRT_VERSION_3)
        mbedtls_x509write_crt_set_md_alg(writer, MBEDTLS_MD_SHA256)
        mbedtls_x509write_crt_set_subject_key(writer, key)
        mbedtls_x509write_crt_set_issuer_key(writer, key)
        try check(mbedtls_x509write_crt_set_subject_name(writer, subject), "setting the subject")
        try check(mbedtls_x509write_crt_set_issuer_name(writer, subject), "setting the issuer")
        try check(mbedtls_x509write_crt_set_serial(writer, serial), "setting the serial")
        let now = time(nil)
        try check(mbedtls_x509write_crt_set_validity(
            writer, timestamp(now - 86_400), timestamp(now + time_t(days) * 86_400)), "setting the validity")
        try check(mbedtls_x509write_crt_set_basic_constraints(writer, 0, -1), "setting basic constraints")
        try check(mbedtls_x509write_crt_set_subject_key_identifier(writer), "setting the subject key identifier")
        let san = subjectAltName(dnsNames: dnsNames, ipAddresses: ipAddresses)
        let oid: [UInt8] = [0x55, 0x1D, 0x11]  // 2.5.29.17, subjectAltName
        try oid.withUnsafeBufferPointer { oidBytes in
            try oidBytes.withMemoryRebound(to: CChar.self) { oidChars in
                try check(mbedtls_x509write_crt_set_extension(writer, oidChars.baseAddress, oidChars.count, 0, san, san.count),
                          "adding subjectAltName")
            }
        }

        var certificate = [UInt8](repeating: 0, count: 4096)
        try check(mbedtls_x509write_crt_pem(writer, &certificate, certificate.count, mbedtls_ctr_drbg_random, drbg),
                  "writing the certificate")
        var privateKey = [UInt8](repeating: 0, count: 2048)
        try check(mbedtls_pk_write_key_pem(key, &privateKey, privateKey.count), "writing the private key")
        defer { for index in privateKey.indices { privateKey[index] = 0 } }
        return Output(certificatePEM: cString(certificate), privateKeyPEM: cString(privateKey))
    }

    /// GeneralNames ::= SEQUENCE OF GeneralName, with dNSName [2] and iPAddress [7], implicitly tagged.
    static func subjectAltName(dnsNames: [String], ipAddresses: [[UInt8]]) -> [UInt8] {
        var names: [UInt8] = []
        for name in dnsNames { names += der(tag: 0x82, Array(name.utf8)) }
        for address in ipAddresses { names += der(tag: 0x87, address) }
        return der(tag: 0x30, names)
    }

    static func der(tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var remaining = content.count
            var bytes: [UInt8] = []
            while remaining > 0 {
                bytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            length = [0x80 | UInt8(bytes.count)] + bytes
        }
        return [tag] + length + content
    }

    /// `YYYYMMDDhhmmss` in UTC, as mbedTLS wants validity dates.
    static func timestamp(_ seconds: time_t) -> String {
        var value = seconds
        var parts = tm()
        gmtime_r(&value, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }

    private static func cString(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension String {
    /// A distinguished-name value must not carry ',' or '=' unescaped; server names never do, but
    /// a typo must not produce a different subject silently.
    fileprivate func replacingCommasAndEquals() -> String {
        String(map { $0 == "," || $0 == "=" ? "_" : $0 })
    }
}
