/// The filtering API's `RoomEventFilter`: what a room's `timeline`, `state`, `ephemeral` and
/// `account_data` keep, and the `filter` of `/messages` and `/context`
/// (`definitions/room_event_filter.yaml`).
///
/// A nil include list (`types`, `senders`, `rooms`) keeps everything and an empty one nothing; the
/// `not_` lists win over them. `types` and `not_types` may use `*` for any sequence of characters.
public struct RoomEventFilter: Sendable, Hashable {
    /// The most events to return; nil leaves the choice to the server.
    public let limit: Int64?
    public let types: [String]?
    public let notTypes: [String]?
    public let senders: [String]?
    public let notSenders: [String]?
    public let rooms: [String]?
    public let notRooms: [String]?
    /// true: only events whose content has a string `url`; false: only those without; nil: either.
    public let containsURL: Bool?
    public let lazyLoadMembers: Bool
    /// Only meaningful with `lazyLoadMembers`.
    public let includeRedundantMembers: Bool
    public let unreadThreadNotifications: Bool
    /// Threads (MSC3440, which Synapse reads unprefixed): keep events that have a relation of one of
    /// these types / from one of these senders. Not in the spec's schema; carried for the caller.
    public let relatedByRelTypes: [String]?
    public let relatedBySenders: [String]?

    private let typePatterns: [GlobPattern]?
    private let notTypePatterns: [GlobPattern]?

    public init(
        limit: Int64? = nil, types: [String]? = nil, notTypes: [String]? = nil, senders: [String]? = nil,
        notSenders: [String]? = nil, rooms: [String]? = nil, notRooms: [String]? = nil, containsURL: Bool? = nil,
        lazyLoadMembers: Bool = false, includeRedundantMembers: Bool = false, unreadThreadNotifications: Bool = false,
        relatedByRelTypes: [String]? = nil, relatedBySenders: [String]? = nil
    ) {
        self.limit = limit
        self.types = types
        self.notTypes = notTypes
        self.senders = senders
        self.notSenders = notSenders
        self.rooms = rooms
        self.notRooms = notRooms
        self.containsURL = containsURL
        self.lazyLoadMembers = lazyLoadMembers
        self.includeRedundantMembers = includeRedundantMembers
        self.unreadThreadNotifications = unreadThreadNotifications
        self.relatedByRelTypes = relatedByRelTypes
        self.relatedBySenders = relatedBySenders
        typePatterns = FilterMatching.typePatterns(types)
        notTypePatterns = FilterMatching.typePatterns(notTypes)
    }

    /// Reads and checks a filter object. `path` names it in errors (`room.timeline`). Members of the
    /// wrong type, invalid user or room IDs and negative limits are 400 `M_BAD_JSON`; unknown members
    /// are ignored, as Synapse allows them for forward compatibility.
    public init(json: JSONObject, path: String = "") throws(MatrixError) {
        try self.init(reader: FilterFieldReader(json, path: path))
    }

    init(reader: FilterFieldReader) throws(MatrixError) {
        // Synapse still reads MSC3773's prefixed name, which older Element versions send.
        var unreadThreads = try reader.bool("unread_thread_notifications")
        if unreadThreads == nil { unreadThreads = try reader.bool("org.matrix.msc3773.unread_thread_notifications") }
        self.init(
            limit: try reader.limit("limit"),
            types: try reader.strings("types"),
            notTypes: try reader.strings("not_types"),
            senders: try reader.strings("senders", what: "user ID", isValid: FilterFieldReader.isUserID),
            notSenders: try reader.strings("not_senders", what: "user ID", isValid: FilterFieldReader.isUserID),
            rooms: try reader.strings("rooms", what: "room ID", isValid: FilterFieldReader.isRoomID),
            notRooms: try reader.strings("not_rooms", what: "room ID", isValid: FilterFieldReader.isRoomID),
            containsURL: try reader.bool("contains_url"),
            lazyLoadMembers: try reader.bool("lazy_load_members") ?? false,
            includeRedundantMembers: try reader.bool("include_redundant_members") ?? false,
            unreadThreadNotifications: unreadThreads ?? false,
            relatedByRelTypes: try reader.strings("related_by_rel_types"),
            relatedBySenders: try reader.strings("related_by_senders"))
    }

    /// Parses the `filter` query parameter of `/messages` and `/context`: JSON text of one
    /// RoomEventFilter. Text that is not JSON is 400 `M_NOT_JSON`; anything but an object `M_BAD_JSON`.
    public init(jsonText: String) throws(MatrixError) {
        try self.init(json: FilterJSONText.object(from: jsonText))
    }

    /// The filter as JSON, with only the members that are set (false flags are left out).
    public var json: JSONObject {
        var writer = FilterFieldWriter()
        writer.set("limit", limit)
        writer.set("types", types)
        writer.set("not_types", notTypes)
        writer.set("senders", senders)
        writer.set("not_senders", notSenders)
        writer.set("rooms", rooms)
        writer.set("not_rooms", notRooms)
        writer.set("contains_url", containsURL)
        writer.set("lazy_load_members", lazyLoadMembers ? true : nil)
        writer.set("include_redundant_members", includeRedundantMembers ? true : nil)
        writer.set("unread_thread_notifications", unreadThreadNotifications ? true : nil)
        writer.set("related_by_rel_types", relatedByRelTypes)
        writer.set("related_by_senders", relatedBySenders)
        return writer.object
    }

    /// Whether an event passes the type, sender, room and `contains_url` parts of the filter.
    /// - Parameters:
    ///   - sender: nil for what has none (ephemeral and account data events).
    ///   - roomId: nil for what has none.
    ///   - containsURL: whether the event's content has a string `url` (`contentHasURL`).
    public func matches(type: String, sender: String?, roomId: String?, containsURL: Bool) -> Bool {
        guard FilterMatching.allowsType(type, include: typePatterns, exclude: notTypePatterns),
            FilterMatching.allows(sender, include: senders, exclude: notSenders),
            FilterMatching.allows(roomId, include: rooms, exclude: notRooms)
        else { return false }
        if let wanted = self.containsURL, wanted != containsURL { return false }
        return true
    }

    /// What `matches` wants for `containsURL`: a `url` member that is a string, as Synapse checks.
    public static func contentHasURL(_ content: JSONObject) -> Bool {
        content["url"]?.stringValue != nil
    }

    public func includesRoom(_ roomId: String) -> Bool {
        FilterMatching.allows(roomId, include: rooms, exclude: notRooms)
    }

    /// True when no event can pass, so a caller may skip the work (Synapse's `blocks_all_*`).
    public var excludesEverything: Bool {
        types?.isEmpty == true || senders?.isEmpty == true || rooms?.isEmpty == true
            || notTypes?.contains("*") == true
    }
}
