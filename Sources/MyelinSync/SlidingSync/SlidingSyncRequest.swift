import MatrixCore

/// A simplified sliding sync request (MSC4186), in the shape Synapse serves at
/// `/unstable/org.matrix.simplified_msc3575/sync` and Element X sends: `pos` and `timeout` in the query
/// (or the body, as the MSC's last revision has it), lists with `ranges`, `required_state` as
/// `[type, state_key]` pairs, and the extensions by name.
public struct SlidingSyncRequest: Sendable {
    public var connId: String
    public var pos: SlidingSyncPosition?
    public var timeout: Duration
    public var setPresence: String
    public var lists: [String: SlidingListConfig]
    /// Room ID → what to send for it.
    public var roomSubscriptions: [String: SlidingRoomConfig]
    public var extensions: SlidingSyncExtensionsRequest

    /// Bounds on what one request may ask for: each is held for the life of a connection.
    static let maxLists = 100
    static let maxListKeyBytes = 64
    static let maxRanges = 10
    static let maxSubscriptions = 200
    static let maxRequiredState = 100
    static let maxTimelineLimit = 1000
    static let maxFilterEntries = 100
    static let maxConnIdBytes = 128

    public init(connId: String = "", pos: SlidingSyncPosition? = nil, timeout: Duration = .zero,
                setPresence: String = "online", lists: [String: SlidingListConfig] = [:],
                roomSubscriptions: [String: SlidingRoomConfig] = [:],
                extensions: SlidingSyncExtensionsRequest = SlidingSyncExtensionsRequest()) {
        self.connId = connId
        self.pos = pos
        self.timeout = timeout
        self.setPresence = setPresence
        self.lists = lists
        self.roomSubscriptions = roomSubscriptions
        self.extensions = extensions
    }

    /// Reads the body; `query` holds `pos`, `timeout` and `set_presence` when the client put them in the
    /// URL (Synapse's form). 400 `M_BAD_JSON`/`M_INVALID_PARAM` for anything malformed.
    public init(body: JSONObject, query: [String: String]) throws(MatrixError) {
        let reader = FieldReader(body, path: "")
        self.init()
        connId = try reader.string("conn_id") ?? ""
        guard connId.utf8.count <= Self.maxConnIdBytes else {
            throw MatrixError.invalidParam("conn_id is longer than \(Self.maxConnIdBytes) bytes")
        }
        let posText: String?
        if let text = query["pos"] { posText = text } else { posText = try reader.string("pos") }
        if let posText { pos = try SlidingSyncPosition(parsing: posText) }
        let timeoutMs: Int64?
        if let text = query["timeout"] {
            guard let value = Int64(text) else { throw MatrixError.invalidParam("timeout must be an integer") }
            timeoutMs = value
        } else {
            timeoutMs = try reader.int("timeout")
        }
        if let timeoutMs {
            guard timeoutMs >= 0 else { throw MatrixError.invalidParam("timeout must not be negative") }
            timeout = .milliseconds(timeoutMs)
        }
        if let text = query["set_presence"] { setPresence = text } else { setPresence = try reader.string("set_presence") ?? "online" }
        guard ["online", "offline", "unavailable"].contains(setPresence) else {
            throw MatrixError.invalidParam("set_presence must be online, offline or unavailable")
        }
        if let lists = try reader.object("lists") {
            guard lists.count <= Self.maxLists else { throw MatrixError.badJSON("Max lists: \(Self.maxLists)") }
            for (key, value) in lists {
                guard key.utf8.count <= Self.maxListKeyBytes else {
                    throw MatrixError.badJSON("List keys are at most \(Self.maxListKeyBytes) bytes")
                }
                guard case .object(let object) = value else { throw MatrixError.badJSON("lists.\(key) must be an object") }
                self.lists[key] = try SlidingListConfig(FieldReader(object, path: "lists.\(key)."))
            }
        }
        if let subscriptions = try reader.object("room_subscriptions") {
            guard subscriptions.count <= Self.maxSubscriptions else {
                throw MatrixError.badJSON("At most \(Self.maxSubscriptions) room subscriptions")
            }
            for (roomId, value) in subscriptions {
                guard case .object(let object) = value else {
                    throw MatrixError.badJSON("room_subscriptions.\(roomId) must be an object")
                }
                roomSubscriptions[roomId] = try SlidingRoomConfig(FieldReader(object, path: "room_subscriptions.\(roomId)."))
            }
        }
        if let extensions = try reader.object("extensions") {
            self.extensions = try SlidingSyncExtensionsRequest(FieldReader(extensions, path: "extensions."))
        }
    }
}

/// What to send for a room: how many timeline events and which state.
public struct SlidingRoomConfig: Sendable, Equatable {
    public var timelineLimit: Int
    public var requiredState: RequiredStateRequest

    public init(timelineLimit: Int, requiredState: RequiredStateRequest) {
        self.timelineLimit = timelineLimit
        self.requiredState = requiredState
    }

    init(_ reader: FieldReader) throws(MatrixError) {
        guard let limit = try reader.int("timeline_limit") else {
            throw MatrixError.badJSON("\(reader.path)timeline_limit is required")
        }
        guard limit >= 0, limit <= Int64(SlidingSyncRequest.maxTimelineLimit) else {
            throw MatrixError.badJSON("\(reader.path)timeline_limit must be between 0 and \(SlidingSyncRequest.maxTimelineLimit)")
        }
        timelineLimit = Int(limit)
        guard let pairs = try reader.array("required_state") else {
            throw MatrixError.badJSON("\(reader.path)required_state is required")
        }
        guard pairs.count <= SlidingSyncRequest.maxRequiredState else {
            throw MatrixError.badJSON("\(reader.path)required_state has more than \(SlidingSyncRequest.maxRequiredState) entries")
        }
        var entries: [(String, String)] = []
        for pair in pairs {
            guard let parts = pair.arrayValue, parts.count == 2, let type = parts[0].stringValue,
                let stateKey = parts[1].stringValue
            else { throw MatrixError.badJSON("\(reader.path)required_state entries must be [type, state_key] pairs") }
            entries.append((type, stateKey))
        }
        requiredState = RequiredStateRequest(entries)
    }

    /// The superset of two configs (a room matched by several lists or a list and a subscription).
    func combined(with other: SlidingRoomConfig) -> SlidingRoomConfig {
        SlidingRoomConfig(timelineLimit: max(timelineLimit, other.timelineLimit),
                          requiredState: requiredState.union(other.requiredState))
    }
}

/// One list: a window (`ranges`) into the user's rooms that pass `filters`, ordered by recency.
public struct SlidingListConfig: Sendable, Equatable {
    /// Inclusive, 0-based; nil: every room that passes the filters.
    public var ranges: [ClosedRange<Int>]?
    public var room: SlidingRoomConfig
    public var filters: SlidingRoomFilters?

    public init(ranges: [ClosedRange<Int>]?, room: SlidingRoomConfig, filters: SlidingRoomFilters? = nil) {
        self.ranges = ranges
        self.room = room
        self.filters = filters
    }

    init(_ reader: FieldReader) throws(MatrixError) {
        room = try SlidingRoomConfig(reader)
        if try reader.bool("slow_get_all_rooms") == true {
            ranges = nil
        } else if let list = try reader.array("ranges") {
            guard list.count <= SlidingSyncRequest.maxRanges else {
                throw MatrixError.badJSON("\(reader.path)ranges has more than \(SlidingSyncRequest.maxRanges) ranges")
            }
            var ranges: [ClosedRange<Int>] = []
            for range in list {
                guard let bounds = range.arrayValue, bounds.count == 2, case .int(let low) = bounds[0],
                    case .int(let high) = bounds[1], low >= 0, high >= 0
                else { throw MatrixError.badJSON("\(reader.path)ranges entries must be [start, end] of non-negative integers") }
                guard low <= high else { throw MatrixError.badJSON("\(reader.path)ranges: start after end in [\(low), \(high)]") }
                // Beyond any user's room count; clamped so the arithmetic stays in Int.
                let cap = Int64(Int32.max)
                ranges.append(Int(min(low, cap))...Int(min(high, cap)))
            }
            self.ranges = ranges
        } else {
            ranges = nil
        }
        if let filters = try reader.object("filters") {
            self.filters = try SlidingRoomFilters(FieldReader(filters, path: "\(reader.path)filters."))
        }
    }
}

/// A list's filters, all of which must hold (Synapse's set: MSC4186 plus `room_name_like`).
public struct SlidingRoomFilters: Sendable, Equatable {
    public var isDM: Bool?
    public var spaces: [String]?
    public var isEncrypted: Bool?
    public var isInvite: Bool?
    /// nil inside the array: rooms without a type.
    public var roomTypes: [String?]?
    public var notRoomTypes: [String?]?
    public var roomNameLike: String?
    public var tags: [String]?
    public var notTags: [String]?

    public init() {}

    init(_ reader: FieldReader) throws(MatrixError) {
        isDM = try reader.bool("is_dm")
        spaces = try reader.strings("spaces", max: SlidingSyncRequest.maxFilterEntries)
        isEncrypted = try reader.bool("is_encrypted")
        // `is_invited` is the MSC's last spelling; Synapse and Element X still send `is_invite`.
        if let value = try reader.bool("is_invite") { isInvite = value } else { isInvite = try reader.bool("is_invited") }
        roomTypes = try reader.nullableStrings("room_types", max: SlidingSyncRequest.maxFilterEntries)
        notRoomTypes = try reader.nullableStrings("not_room_types", max: SlidingSyncRequest.maxFilterEntries)
        roomNameLike = try reader.string("room_name_like")
        tags = try reader.strings("tags", max: SlidingSyncRequest.maxFilterEntries)
        notTags = try reader.strings("not_tags", max: SlidingSyncRequest.maxFilterEntries)
    }
}

/// The extensions a request enables (unknown ones are ignored, as the MSC asks).
public struct SlidingSyncExtensionsRequest: Sendable, Equatable {
    public struct ToDevice: Sendable, Equatable {
        public var limit: Int
        public var since: Int64?
    }

    /// Which rooms a room-scoped extension covers: list keys and subscribed room IDs (`*`: all).
    public struct Scope: Sendable, Equatable {
        public var lists: [String]?
        public var rooms: [String]?

        init(_ reader: FieldReader) throws(MatrixError) {
            lists = try reader.strings("lists", max: SlidingSyncRequest.maxLists) ?? ["*"]
            rooms = try reader.strings("rooms", max: SlidingSyncRequest.maxSubscriptions) ?? ["*"]
        }

        public init() {
            lists = ["*"]
            rooms = ["*"]
        }
    }

    public var toDevice: ToDevice?
    public var e2ee = false
    public var accountData: Scope?
    public var receipts: Scope?
    public var typing: Scope?

    public init() {}

    init(_ reader: FieldReader) throws(MatrixError) {
        func enabled(_ name: String) throws(MatrixError) -> FieldReader? {
            guard let object = try reader.object(name) else { return nil }
            let inner = FieldReader(object, path: "\(reader.path)\(name).")
            return try inner.bool("enabled") == true ? inner : nil
        }
        if let toDevice = try enabled("to_device") {
            let limit = try toDevice.int("limit") ?? 100
            guard limit > 0 else { throw MatrixError.badJSON("extensions.to_device.limit must be positive") }
            var since: Int64?
            if let text = try toDevice.string("since") {
                guard let value = Int64(text), value >= 0 else {
                    throw MatrixError.badJSON("'extensions.to_device.since' is invalid (should look like an int)")
                }
                since = value
            }
            // Capped as /sync caps it: one answer never carries more than that.
            self.toDevice = ToDevice(limit: Int(min(limit, Int64(SyncResponseBuilder.toDeviceLimit))), since: since)
        }
        e2ee = try enabled("e2ee") != nil
        accountData = try enabled("account_data").map { reader throws(MatrixError) in try Scope(reader) }
        receipts = try enabled("receipts").map { reader throws(MatrixError) in try Scope(reader) }
        typing = try enabled("typing").map { reader throws(MatrixError) in try Scope(reader) }
    }
}

/// Typed reads from a JSON object, each naming the field it refuses (`M_BAD_JSON`).
struct FieldReader {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    private func wrong(_ key: String, _ expected: String) -> MatrixError {
        MatrixError.badJSON("\(path)\(key) must be \(expected)")
    }

    func string(_ key: String) throws(MatrixError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw wrong(key, "a string")
        }
    }

    func bool(_ key: String) throws(MatrixError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw wrong(key, "a boolean")
        }
    }

    func int(_ key: String) throws(MatrixError) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        default: throw wrong(key, "an integer")
        }
    }

    func object(_ key: String) throws(MatrixError) -> JSONObject? {
        switch object[key] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        default: throw wrong(key, "an object")
        }
    }

    func array(_ key: String) throws(MatrixError) -> [JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .array(let value)?: return value
        default: throw wrong(key, "an array")
        }
    }

    func strings(_ key: String, max: Int) throws(MatrixError) -> [String]? {
        guard let values = try array(key) else { return nil }
        guard values.count <= max else { throw wrong(key, "at most \(max) strings") }
        var result: [String] = []
        for value in values {
            guard let text = value.stringValue else { throw wrong(key, "an array of strings") }
            result.append(text)
        }
        return result
    }

    func nullableStrings(_ key: String, max: Int) throws(MatrixError) -> [String?]? {
        guard let values = try array(key) else { return nil }
        guard values.count <= max else { throw wrong(key, "at most \(max) entries") }
        var result: [String?] = []
        for value in values {
            switch value {
            case .null: result.append(nil)
            case .string(let text): result.append(text)
            default: throw wrong(key, "an array of strings or nulls")
            }
        }
        return result
    }
}
