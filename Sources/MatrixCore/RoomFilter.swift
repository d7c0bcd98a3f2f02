/// The `room` section of a filter: which rooms to include and the filters for each part of a
/// room's data in `/sync` (`definitions/sync_filter.yaml`, "RoomFilter").
public struct RoomFilter: Sendable, Hashable {
    /// Rooms to include (nil: all) and to exclude; applied before the per-part filters below.
    public let rooms: [String]?
    public let notRooms: [String]?
    /// Whether `/sync` includes rooms the user has left.
    public let includeLeave: Bool
    public let ephemeral: RoomEventFilter
    public let state: RoomEventFilter
    public let timeline: RoomEventFilter
    public let accountData: RoomEventFilter

    public init(
        rooms: [String]? = nil, notRooms: [String]? = nil, includeLeave: Bool = false,
        ephemeral: RoomEventFilter = RoomEventFilter(), state: RoomEventFilter = RoomEventFilter(),
        timeline: RoomEventFilter = RoomEventFilter(), accountData: RoomEventFilter = RoomEventFilter()
    ) {
        self.rooms = rooms
        self.notRooms = notRooms
        self.includeLeave = includeLeave
        self.ephemeral = ephemeral
        self.state = state
        self.timeline = timeline
        self.accountData = accountData
    }

    /// Reads and checks the `room` object; errors are 400 `M_BAD_JSON` naming the member.
    public init(json: JSONObject, path: String = "room") throws(MatrixError) {
        try self.init(reader: FilterFieldReader(json, path: path))
    }

    init(reader: FilterFieldReader) throws(MatrixError) {
        func part(_ key: String) throws(MatrixError) -> RoomEventFilter {
            guard let inner = try reader.object(key) else { return RoomEventFilter() }
            return try RoomEventFilter(reader: inner)
        }
        self.init(
            rooms: try reader.strings("rooms", what: "room ID", isValid: FilterFieldReader.isRoomID),
            notRooms: try reader.strings("not_rooms", what: "room ID", isValid: FilterFieldReader.isRoomID),
            includeLeave: try reader.bool("include_leave") ?? false,
            ephemeral: try part("ephemeral"),
            state: try part("state"),
            timeline: try part("timeline"),
            accountData: try part("account_data"))
    }

    public var json: JSONObject {
        var writer = FilterFieldWriter()
        writer.set("rooms", rooms)
        writer.set("not_rooms", notRooms)
        writer.set("include_leave", includeLeave ? true : nil)
        writer.set("ephemeral", ephemeral.json)
        writer.set("state", state.json)
        writer.set("timeline", timeline.json)
        writer.set("account_data", accountData.json)
        return writer.object
    }

    /// Whether the room passes `rooms` / `not_rooms` (the per-part filters have their own).
    public func includesRoom(_ roomId: String) -> Bool {
        FilterMatching.allows(roomId, include: rooms, exclude: notRooms)
    }
}
