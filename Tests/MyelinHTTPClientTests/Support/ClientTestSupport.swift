import Foundation
import Logging
@testable import MyelinHTTPClient
import NIOCore

/// A client that trusts only the test CA and may reach loopback.
func makeClient(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
    var configuration = HTTPClientConfiguration()
    configuration.tls = .init(caDirectory: nil, extraCAFile: try TestPKI.get().caCertificate)
    configuration.allowedPrivateNetworks = ["127.0.0.0/8", "::1/128"]
    configuration.connectTimeout = .seconds(5)
    configuration.readTimeout = .seconds(5)
    configuration.totalTimeout = .seconds(20)
    configure(&configuration)
    var logger = Logger(label: "test.http-client")
    logger.logLevel = .critical
    return try HTTPClient(configuration: configuration, logger: logger)
}

/// What the Python fixture's /stats reports.
struct PeerStats: Decodable {
    let connections: Int
    let active: Int
    let max_active: Int
    let big_sent: Int
}

func stats(_ client: HTTPClient, _ base: String) async throws -> PeerStats {
    let response = try await client.execute(.init(url: base + "/stats"))
    return try JSONDecoder().decode(PeerStats.self, from: Data(response.body.readableBytesView))
}

/// The error a request failed with, or nil if it succeeded or threw something else.
func clientError(_ body: () async throws -> Void) async -> HTTPClientError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? HTTPClientError
    }
}

extension HTTPClientError {
    /// The case's name, for simple assertions.
    var kind: String {
        switch self {
        case .invalidURL: "invalidURL"
        case .invalidConfiguration: "invalidConfiguration"
        case .invalidRequest: "invalidRequest"
        case .dnsFailure: "dnsFailure"
        case .addressRefused: "addressRefused"
        case .connectTimeout: "connectTimeout"
        case .connectFailed: "connectFailed"
        case .tls: "tls"
        case .readTimeout: "readTimeout"
        case .totalTimeout: "totalTimeout"
        case .responseTooLarge: "responseTooLarge"
        case .redirectRefused: "redirectRefused"
        case .tooManyRedirects: "tooManyRedirects"
        case .connectionClosed: "connectionClosed"
        case .invalidResponse: "invalidResponse"
        case .shutDown: "shutDown"
        }
    }

    /// mbedTLS's reason for refusing the certificate, for `.tls`.
    var verification: String? {
        if case .tls(let error) = self { return error.verification }
        return nil
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}
