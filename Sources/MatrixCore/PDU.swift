/// A room event as the server-server API carries it (a "persistent data unit"): its JSON, its event ID
/// and the version of its room. Accessors read the fields the auth rules and state resolution need;
/// they return nil or defaults for malformed fields, and `EventFormat` validation refuses such events
/// before they reach the rules.
public struct PDU: Sendable, Hashable {
    public let eventId: String
    public let roomVersion: RoomVersion
    public let json: JSONObject

    public init(eventId: String, roomVersion: RoomVersion, json: JSONObject) {
        self.eventId = eventId
        self.roomVersion = roomVersion
        self.json = json
    }

    public var type: String { json["type"]?.stringValue ?? "" }
    public var stateKey: String? { json["state_key"]?.stringValue }
    public var isState: Bool { stateKey != nil }
    public var sender: String { json["sender"]?.stringValue ?? "" }
    public var roomId: String? { json["room_id"]?.stringValue }
    public var content: JSONObject { json["content"]?.objectValue ?? [:] }
    public var depth: Int64 { json["depth"]?.intValue ?? 0 }
    public var originServerTs: Int64 { json["origin_server_ts"]?.intValue ?? 0 }

    /// `prev_events` as event IDs (v1/v2 events carry `[id, hashes]` pairs).
    public var prevEvents: [String] { Self.eventIds(json["prev_events"]) }
    /// `auth_events` as event IDs.
    public var authEvents: [String] { Self.eventIds(json["auth_events"]) }

    /// The event a redaction redacts: in `content` from v11, top level before.
    public var redacts: String? {
        if roomVersion.redaction == .v11, let inContent = content["redacts"]?.stringValue { return inContent }
        return json["redacts"]?.stringValue
    }

    /// `(type, state_key)` for state events.
    public var stateTuple: StateTuple? { stateKey.map { StateTuple(type: type, stateKey: $0) } }

    /// Membership of an `m.room.member` event.
    public var membership: String? { content["membership"]?.stringValue }

    private static func eventIds(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { item in
            switch item {
            case .string(let id): return id
            case .array(let pair): return pair.first?.stringValue
            default: return nil
            }
        }
    }
}

/// The key of a piece of room state.
public struct StateTuple: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let type: String
    public let stateKey: String

    public init(type: String, stateKey: String) {
        self.type = type
        self.stateKey = stateKey
    }

    public var description: String { "(\(type), \(stateKey))" }

    public static func < (a: StateTuple, b: StateTuple) -> Bool {
        a.type == b.type ? a.stateKey < b.stateKey : a.type < b.type
    }
}
