import MatrixCore

/// The `.well-known/matrix/server` document, `{"m.server": "<delegated_hostname>[:<delegated_port>]"}`,
/// and what a response to it means for discovery.
enum WellKnownDocument {
    enum Outcome: Sendable, Equatable {
        /// A valid document naming the delegated server.
        case delegated(ServerName)
        /// The host answered, but not with a valid document (not 200, not JSON, no usable `m.server`):
        /// discovery goes on with SRV.
        case invalid(String)
        /// No answer, or a server error: possibly temporary.
        case unavailable(String)
    }

    /// Synapse's limit; the document is one short JSON object.
    static let maxBytes = 50 * 1024

    static func interpret(_ response: WellKnownResponse) -> Outcome {
        // 5xx as temporary and any other non-200 as invalid, as Synapse does.
        if (500...599).contains(response.status) { return .unavailable("status \(response.status)") }
        guard response.status == 200 else { return .invalid("status \(response.status)") }
        guard response.body.count <= maxBytes else { return .unavailable("body over \(maxBytes) bytes") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body, options: .init(maxDepth: 16, maxBytes: maxBytes))
        } catch {
            return .invalid("not JSON: \(error)")
        }
        guard case .object(let object) = json else { return .invalid("not a JSON object") }
        guard let text = object["m.server"]?.stringValue else { return .invalid("no m.server string") }
        do {
            return .delegated(try ServerName(parsing: text))
        } catch {
            return .invalid("m.server: \(error)")
        }
    }
}
