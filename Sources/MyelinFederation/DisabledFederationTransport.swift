/// A transport that sends nothing: every request fails with `FederationError.disabled`. Used until an
/// outbound federation client is wired in, and wherever federation must not leave the process.
public struct DisabledFederationTransport: FederationTransport {
    public let reason: String

    public init(reason: String = "no outbound federation transport is configured") {
        self.reason = reason
    }

    public func send(_ request: FederationRequest) async throws -> FederationResponse {
        throw FederationError.disabled("\(reason) (\(request.method.rawValue) \(request.destination)\(request.path))")
    }
}
