import NIOConcurrencyHelpers

/// The server's current TLS configuration, swapped when the certificate files are reloaded (SIGHUP).
/// Connections keep the configuration they started with; new connections get the new one.
public final class TLSConfigurationStore: Sendable {
    private let current: NIOLockedValueBox<MbedTLSConfiguration>
    private let certificateChainPath: String
    private let privateKeyPath: String

    public init(certificateChainPath: String, privateKeyPath: String) throws {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        current = NIOLockedValueBox(try .server(certificateChainPath: certificateChainPath,
                                                privateKeyPath: privateKeyPath))
    }

    public var configuration: MbedTLSConfiguration { current.withLockedValue { $0 } }

    /// Re-reads the files. On failure the old configuration stays in use and the error is thrown.
    public func reload() throws {
        let fresh = try MbedTLSConfiguration.server(certificateChainPath: certificateChainPath,
                                                    privateKeyPath: privateKeyPath)
        current.withLockedValue { $0 = fresh }
    }
}
