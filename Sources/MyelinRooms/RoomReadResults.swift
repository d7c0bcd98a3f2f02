import MatrixCore
import MyelinStorage

/// What `/messages` asks for.
public struct MessagesRequest: Sendable {
    public var from: PaginationToken?
    public var to: PaginationToken?
    public var direction: TimelineDirection
    public var limit: Int
    public var filter: RoomEventFilter?

    public init(from: PaginationToken? = nil, to: PaginationToken? = nil, direction: TimelineDirection,
                limit: Int = 10, filter: RoomEventFilter? = nil) {
        self.from = from
        self.to = to
        self.direction = direction
        self.limit = limit
        self.filter = filter
    }
}

/// `/messages`' response.
public struct MessagesPage: Sendable {
    public let chunk: [JSONObject]
    public let start: String
    /// nil when there is nothing further (the spec then leaves `end` out).
    public let end: String?
    /// Member events of the chunk's senders when the filter lazy-loads members.
    public let state: [JSONObject]?

    public var json: JSONObject {
        var json: JSONObject = ["chunk": .array(chunk.map(JSONValue.object)), "start": .string(start)]
        if let end { json["end"] = .string(end) }
        if let state { json["state"] = .array(state.map(JSONValue.object)) }
        return json
    }
}

/// `/context/{eventId}`'s response.
public struct EventContext: Sendable {
    public let eventsBefore: [JSONObject]
    public let event: JSONObject
    public let eventsAfter: [JSONObject]
    public let start: String
    public let end: String
    public let state: [JSONObject]

    public var json: JSONObject {
        [
            "events_before": .array(eventsBefore.map(JSONValue.object)), "event": .object(event),
            "events_after": .array(eventsAfter.map(JSONValue.object)), "start": .string(start),
            "end": .string(end), "state": .array(state.map(JSONValue.object)),
        ]
    }
}

/// What `/relations` asks for.
public struct RelationsRequest: Sendable {
    public var relType: String?
    public var eventType: String?
    public var from: PaginationToken?
    public var to: PaginationToken?
    public var direction: TimelineDirection
    public var limit: Int
    /// nil when the client did not say (then `recursion_depth` is left out).
    public var recurse: Bool?

    public init(relType: String? = nil, eventType: String? = nil, from: PaginationToken? = nil,
                to: PaginationToken? = nil, direction: TimelineDirection = .backward, limit: Int = 5,
                recurse: Bool? = nil) {
        self.relType = relType
        self.eventType = eventType
        self.from = from
        self.to = to
        self.direction = direction
        self.limit = limit
        self.recurse = recurse
    }
}

/// `/relations`' response.
public struct RelationsPage: Sendable {
    public let chunk: [JSONObject]
    public let nextBatch: String?
    public let prevBatch: String?
    public let recursionDepth: Int?

    public var json: JSONObject {
        var json: JSONObject = ["chunk": .array(chunk.map(JSONValue.object))]
        if let nextBatch { json["next_batch"] = .string(nextBatch) }
        if let prevBatch { json["prev_batch"] = .string(prevBatch) }
        if let recursionDepth { json["recursion_depth"] = .int(Int64(recursionDepth)) }
        return json
    }
}

/// `/threads`' response.
public struct ThreadsPage: Sendable {
    public let chunk: [JSONObject]
    public let nextBatch: String?

    public var json: JSONObject {
        var json: JSONObject = ["chunk": .array(chunk.map(JSONValue.object))]
        if let nextBatch { json["next_batch"] = .string(nextBatch) }
        return json
    }
}

/// `/timestamp_to_event`'s response.
public struct TimestampMatch: Sendable {
    public let eventId: String
    public let originServerTs: Int64

    public var json: JSONObject { ["event_id": .string(eventId), "origin_server_ts": .int(originServerTs)] }
}
