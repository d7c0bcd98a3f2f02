import MatrixCore

/// What the room directory and the space hierarchy say about a room (`PublishedRoomsChunk`,
/// `RoomSummary` in the spec), read from its current state.
public struct RoomSummary: Sendable, Equatable {
    public let roomId: String
    public let roomVersion: String
    public let name: String?
    public let topic: String?
    public let avatarURL: String?
    public let canonicalAlias: String?
    public let joinedMembers: Int
    /// Nil when the room has no join rules event (the chunk then leaves `join_rule` out).
    public let joinRule: String?
    public let worldReadable: Bool
    public let guestCanJoin: Bool
    public let roomType: String?
    /// `m.room.encryption`'s algorithm, if the room is encrypted.
    public let encryption: String?
    /// For a `restricted` or `knock_restricted` room, the rooms whose members may join.
    public let allowedRoomIds: [String]

    /// The state keys a summary reads.
    public static let stateTuples: [StateTuple] = [
        "m.room.create", "m.room.name", "m.room.topic", "m.room.avatar", "m.room.canonical_alias",
        "m.room.join_rules", "m.room.history_visibility", "m.room.guest_access", "m.room.encryption",
    ].map { StateTuple(type: $0, stateKey: "") }

    /// Reads the summary from the room's state events (those of `stateTuples` that exist); content of
    /// the wrong shape counts as absent, as it came from whoever sent it.
    public init(roomId: String, roomVersion: String, state: [StateTuple: PDU], joinedMembers: Int) {
        func content(_ type: String) -> JSONObject? { state[StateTuple(type: type, stateKey: "")]?.content }
        func nonEmpty(_ value: JSONValue?) -> String? {
            guard let text = value?.stringValue, !text.isEmpty else { return nil }
            return text
        }
        self.roomId = roomId
        self.roomVersion = roomVersion
        self.joinedMembers = joinedMembers
        name = nonEmpty(content("m.room.name")?["name"])
        topic = content("m.room.topic").flatMap(Self.plainTopic)
        avatarURL = nonEmpty(content("m.room.avatar")?["url"])
        canonicalAlias = nonEmpty(content("m.room.canonical_alias")?["alias"])
        joinRule = content("m.room.join_rules")?["join_rule"]?.stringValue
        worldReadable = HistoryVisibility(content: content("m.room.history_visibility")) == .worldReadable
        guestCanJoin = content("m.room.guest_access")?["guest_access"]?.stringValue == "can_join"
        roomType = content("m.room.create")?["type"]?.stringValue
        encryption = nonEmpty(content("m.room.encryption")?["algorithm"])
        var allowed: [String] = []
        if joinRule == "restricted" || joinRule == "knock_restricted",
            case .array(let conditions)? = content("m.room.join_rules")?["allow"] {
            for case .object(let condition) in conditions where condition["type"]?.stringValue == "m.room_membership" {
                if let room = condition["room_id"]?.stringValue, !allowed.contains(room) { allowed.append(room) }
            }
        }
        allowedRoomIds = allowed
    }

    /// The plain-text topic: `topic`, else the `text/plain` representation in `m.topic` (a
    /// representation without a mimetype is plain text).
    static func plainTopic(_ content: JSONObject) -> String? {
        if let topic = content["topic"]?.stringValue, !topic.isEmpty { return topic }
        guard case .array(let texts)? = content["m.topic"]?["m.text"] else { return nil }
        for case .object(let text) in texts {
            let mimetype = text["mimetype"]?.stringValue ?? "text/plain"
            if mimetype == "text/plain", let body = text["body"]?.stringValue, !body.isEmpty { return body }
        }
        return nil
    }

    /// The `PublishedRoomsChunk` fields (absent values left out).
    public var chunkJSON: JSONObject {
        var json: JSONObject = [
            "room_id": .string(roomId), "num_joined_members": .int(Int64(joinedMembers)),
            "world_readable": .bool(worldReadable), "guest_can_join": .bool(guestCanJoin),
        ]
        if let joinRule { json["join_rule"] = .string(joinRule) }
        if let name { json["name"] = .string(name) }
        if let topic { json["topic"] = .string(topic) }
        if let avatarURL { json["avatar_url"] = .string(avatarURL) }
        if let canonicalAlias { json["canonical_alias"] = .string(canonicalAlias) }
        if let roomType { json["room_type"] = .string(roomType) }
        return json
    }

    /// The `RoomSummary` fields: the chunk plus the room version, encryption and allowed rooms.
    public var summaryJSON: JSONObject {
        var json = chunkJSON
        json["room_version"] = .string(roomVersion)
        if let encryption { json["encryption"] = .string(encryption) }
        if !allowedRoomIds.isEmpty { json["allowed_room_ids"] = .array(allowedRoomIds.map(JSONValue.string)) }
        return json
    }

    /// Whether `term` (already lowercased) appears in the name, topic or canonical alias, ignoring case.
    func matches(searchTerm term: String) -> Bool {
        [name, topic, canonicalAlias].contains { $0?.lowercased().contains(term) == true }
    }
}
