import CMbedTLS

/// One mbedTLS configuration (role, certificates, key, trust anchors, random generator, ALPN), shared by
/// every connection made with it. mbedTLS keeps raw pointers into these structures, so each lives at a
/// stable heap address for the whole life of this object, which connections retain.
/// `@unchecked Sendable`: after init nothing mutates it; the DRBG locks itself (Debian builds mbedTLS
/// with MBEDTLS_THREADING_C).
public final class MbedTLSConfiguration: @unchecked Sendable {
    public enum Role: Sendable {
        case server
        case client
    }

    public let role: Role
    let config: UnsafeMutablePointer<mbedtls_ssl_config>
    private let entropy: UnsafeMutablePointer<mbedtls_entropy_context>
    private let drbg: UnsafeMutablePointer<mbedtls_ctr_drbg_context>
    private let ownCertificate: UnsafeMutablePointer<mbedtls_x509_crt>
    private let ownKey: UnsafeMutablePointer<mbedtls_pk_context>
    private let trustAnchors: UnsafeMutablePointer<mbedtls_x509_crt>
    /// The NUL-terminated ALPN names and the NULL-terminated array mbedTLS reads them from.
    private let alpnStrings: [UnsafeMutablePointer<CChar>]
    private let alpnList: UnsafeMutablePointer<UnsafePointer<CChar>?>
    /// The server's offer (zero-terminated lists mbedTLS keeps pointers to); nil for clients.
    private let serverCiphersuites: UnsafeMutablePointer<Int32>?
    private let serverCurves: UnsafeMutablePointer<mbedtls_ecp_group_id>?

    /// What the server offers, in its order of preference (mbedTLS servers choose by their own order).
    /// Only AEAD suites with forward secrecy: ECDHE with AES-GCM or ChaCha20-Poly1305, ECDSA certificates
    /// first, then RSA ones; no CBC and no SHA-1. Key exchange: X25519 first (cheapest and safest), then
    /// P-256, with P-384 and P-521 last for clients that offer nothing else. TLS 1.3 would be enabled
    /// here (`mbedtls_ssl_conf_max_version`, its own suites) once the platform's mbedTLS (2.28 in Debian 12)
    /// has it.
    public static let serverCiphersuiteIds: [Int32] = [
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ]
    static let serverCurveIds: [mbedtls_ecp_group_id] = [
        MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP521R1,
    ]

    /// A server configuration from a PEM certificate chain and private key.
    public static func server(certificateChainPath: String, privateKeyPath: String, alpn: [String] = ["http/1.1"])
        throws -> MbedTLSConfiguration
    {
        try MbedTLSConfiguration(role: .server, alpn: alpn) { config in
            try check(mbedtls_x509_crt_parse_file(config.ownCertificate, certificateChainPath),
                      "reading the certificate chain \(certificateChainPath)")
            try check(mbedtls_pk_parse_keyfile(config.ownKey, privateKeyPath, nil),
                      "reading the private key \(privateKeyPath)")
            try check(mbedtls_ssl_conf_own_cert(config.config, config.ownCertificate, config.ownKey),
                      "installing the certificate and key")
        }
    }

    /// A client configuration that verifies servers against the system CA bundle (`caDirectory`) plus an
    /// optional extra CA file. `verify: false` exists for tests of the verification itself.
    public static func client(caDirectory: String? = "/etc/ssl/certs", extraCAFile: String? = nil,
                              verify: Bool = true, alpn: [String] = ["http/1.1"]) throws -> MbedTLSConfiguration {
        try MbedTLSConfiguration(role: .client, alpn: alpn) { config in
            var loaded = 0
            if let caDirectory {
                // A directory with some unparseable files still yields the good ones (return > 0 counts failures).
                if mbedtls_x509_crt_parse_path(config.trustAnchors, caDirectory) >= 0 { loaded += 1 }
            }
            if let extraCAFile {
                try check(mbedtls_x509_crt_parse_file(config.trustAnchors, extraCAFile), "reading the CA file \(extraCAFile)")
                loaded += 1
            }
            if verify && loaded == 0 {
                throw MbedTLSError(MBEDTLS_ERR_X509_FILE_IO_ERROR, "loading trust anchors")
            }
            mbedtls_ssl_conf_ca_chain(config.config, config.trustAnchors, nil)
            mbedtls_ssl_conf_authmode(config.config, verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE)
        }
    }

    private init(role: Role, alpn: [String], setUp: (MbedTLSConfiguration) throws -> Void) throws {
        self.role = role
        config = .allocate(capacity: 1)
        entropy = .allocate(capacity: 1)
        drbg = .allocate(capacity: 1)
        ownCertificate = .allocate(capacity: 1)
        ownKey = .allocate(capacity: 1)
        trustAnchors = .allocate(capacity: 1)
        mbedtls_ssl_config_init(config)
        mbedtls_entropy_init(entropy)
        mbedtls_ctr_drbg_init(drbg)
        mbedtls_x509_crt_init(ownCertificate)
        mbedtls_pk_init(ownKey)
        mbedtls_x509_crt_init(trustAnchors)
        alpnStrings = alpn.map { name in
            let bytes = Array(name.utf8CString)
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            pointer.initialize(from: bytes, count: bytes.count)
            return pointer
        }
        alpnList = .allocate(capacity: alpn.count + 1)
        for (index, pointer) in alpnStrings.enumerated() { (alpnList + index).initialize(to: UnsafePointer(pointer)) }
        (alpnList + alpn.count).initialize(to: nil)
        if role == .server {
            let suites = UnsafeMutablePointer<Int32>.allocate(capacity: Self.serverCiphersuiteIds.count + 1)
            suites.initialize(from: Self.serverCiphersuiteIds + [0], count: Self.serverCiphersuiteIds.count + 1)
            serverCiphersuites = suites
            let curves = UnsafeMutablePointer<mbedtls_ecp_group_id>.allocate(capacity: Self.serverCurveIds.count + 1)
            curves.initialize(from: Self.serverCurveIds + [MBEDTLS_ECP_DP_NONE], count: Self.serverCurveIds.count + 1)
            serverCurves = curves
        } else {
            serverCiphersuites = nil
            serverCurves = nil
        }

        let personalisation = Array("myelin-tls".utf8)
        try check(mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, personalisation, personalisation.count),
                  "seeding the random generator")
        try check(mbedtls_ssl_config_defaults(
            config, role == .server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
            MBEDTLS_SSL_PRESET_DEFAULT), "setting TLS defaults")
        mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, drbg)
        // TLS 1.2 is the floor (and, in Debian's 2.28, also the ceiling).
        mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3)
        if !alpn.isEmpty {
            try check(mbedtls_ssl_conf_alpn_protocols(config, alpnList), "configuring ALPN")
        }
        if let serverCiphersuites, let serverCurves {
            mbedtls_ssl_conf_ciphersuites(config, serverCiphersuites)
            mbedtls_ssl_conf_curves(config, serverCurves)
        }
        try setUp(self)
    }

    deinit {
        mbedtls_ssl_config_free(config)
        mbedtls_x509_crt_free(ownCertificate)
        mbedtls_pk_free(ownKey)
        mbedtls_x509_crt_free(trustAnchors)
        mbedtls_ctr_drbg_free(drbg)
        mbedtls_entropy_free(entropy)
        config.deallocate()
        entropy.deallocate()
        drbg.deallocate()
        ownCertificate.deallocate()
        serverCiphersuites?.deallocate()
        serverCurves?.deallocate()
        ownKey.deallocate()
        trustAnchors.deallocate()
        for pointer in alpnStrings { pointer.deallocate() }
        alpnList.deallocate()
    }
}
