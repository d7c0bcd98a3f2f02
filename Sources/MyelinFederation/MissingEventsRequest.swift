import MatrixCore

/// The body of `POST /_matrix/federation/v1/get_missing_events/{roomId}`.
public struct MissingEventsRequest: Sendable, Equatable {
    /// Events the asking server already has: not returned, not walked past.
    public var earliestEvents: [String]
    /// Events whose missing prev events are wanted.
    public var latestEvents: [String]
    /// Nil: the spec's default (10).
    public var limit: Int?
    /// Events below this depth are neither returned nor walked past.
    public var minDepth: Int64

    public init(earliestEvents: [String], latestEvents: [String], limit: Int? = nil, minDepth: Int64 = 0) {
        self.earliestEvents = earliestEvents
        self.latestEvents = latestEvents
        self.limit = limit
        self.minDepth = minDepth
    }

    /// Reads the request body. A member of the wrong type is 400 `M_BAD_JSON`; a missing
    /// `earliest_events` or `latest_events` is taken as empty, as Synapse does, though the spec
    /// calls both required: refusing gains nothing, an empty list simply finds nothing.
    public init(body: JSONObject) throws(MatrixError) {
        func ids(_ key: String) throws(MatrixError) -> [String] {
            guard let value = body[key], !value.isNull else { return [] }
            guard case .array(let items) = value else { throw .badJSON("\(key) must be an array of event IDs") }
            var result: [String] = []
            for item in items {
                guard case .string(let id) = item else { throw .badJSON("\(key) must hold event IDs (strings)") }
                result.append(id)
            }
            return result
        }
        func integer(_ key: String) throws(MatrixError) -> Int64? {
            guard let value = body[key], !value.isNull else { return nil }
            guard case .int(let number) = value else { throw .badJSON("\(key) must be an integer") }
            return number
        }
        self.init(earliestEvents: try ids("earliest_events"), latestEvents: try ids("latest_events"),
                  limit: try integer("limit").map { Int(clamping: $0) }, minDepth: try integer("min_depth") ?? 0)
    }
}
