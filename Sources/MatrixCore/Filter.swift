/// A filter definition as `POST /user/{userId}/filter` takes it and `/sync` applies it
/// (client-server API, "Filtering"; `definitions/sync_filter.yaml`).
public struct Filter: Sendable, Hashable {
    /// `event_format`: how events are shaped in responses.
    public enum EventFormat: String, Sendable, Hashable {
        case client
        case federation
    }

    /// Dot-separated paths of the event fields to return; nil returns all fields.
    public let eventFields: [String]?
    public let eventFormat: EventFormat
    public let presence: EventFilter
    /// Global (not per-room) account data.
    public let accountData: EventFilter
    public let room: RoomFilter

    public init(
        eventFields: [String]? = nil, eventFormat: EventFormat = .client, presence: EventFilter = EventFilter(),
        accountData: EventFilter = EventFilter(), room: RoomFilter = RoomFilter()
    ) {
        self.eventFields = eventFields
        self.eventFormat = eventFormat
        self.presence = presence
        self.accountData = accountData
        self.room = room
    }

    /// Reads and checks a filter definition. A member of the wrong type, an invalid user or room ID,
    /// a negative or fractional limit or an unknown `event_format` is 400 `M_BAD_JSON` naming the
    /// member (`room.timeline.limit`). Unknown members are ignored, as Synapse allows them for
    /// forward compatibility; keep the request body if a GET must return them.
    public init(json: JSONObject) throws(MatrixError) {
        let reader = FilterFieldReader(json, path: "")
        var format = EventFormat.client
        if let text = try reader.string("event_format") {
            guard let known = EventFormat(rawValue: text) else {
                throw .badJSON("event_format must be \"client\" or \"federation\", not \"\(text)\"")
            }
            format = known
        }
        func eventFilter(_ key: String) throws(MatrixError) -> EventFilter {
            guard let inner = try reader.object(key) else { return EventFilter() }
            return try EventFilter(reader: inner)
        }
        var room = RoomFilter()
        if let inner = try reader.object("room") { room = try RoomFilter(reader: inner) }
        self.init(
            eventFields: try reader.strings("event_fields"), eventFormat: format,
            presence: try eventFilter("presence"), accountData: try eventFilter("account_data"), room: room)
    }

    /// Parses a filter given inline as JSON text (the `/sync` `filter` parameter when it starts with
    /// `{`). Text that is not JSON is 400 `M_NOT_JSON`; anything but an object `M_BAD_JSON`.
    public init(jsonText: String) throws(MatrixError) {
        try self.init(json: FilterJSONText.object(from: jsonText))
    }

    /// The filter as JSON, with only the members that are set; `Filter(json: f.json) == f`.
    public var json: JSONObject {
        var writer = FilterFieldWriter()
        writer.set("event_fields", eventFields)
        writer.set("event_format", eventFormat == .client ? nil : eventFormat.rawValue)
        writer.set("presence", presence.json)
        writer.set("account_data", accountData.json)
        writer.set("room", room.json)
        return writer.object
    }
}
