import MatrixCore

/// A `/publicRooms` request (GET query or POST body), already decoded.
public struct PublicRoomsQuery: Sendable {
    /// Nil or 0: the server's page size.
    public var limit: Int64?
    public var since: String?
    /// `filter.generic_search_term`: matched, ignoring case, in the name, topic and canonical alias.
    public var searchTerm: String?
    /// `filter.room_types`: nil or empty for every room; a nil entry stands for rooms without a type.
    public var roomTypes: [String?]?
    /// A bridge network's rooms; this server has none, so asking for one lists nothing.
    public var thirdPartyInstanceId: String?
    public var includeAllNetworks: Bool

    public init(limit: Int64? = nil, since: String? = nil, searchTerm: String? = nil, roomTypes: [String?]? = nil,
                thirdPartyInstanceId: String? = nil, includeAllNetworks: Bool = false) {
        self.limit = limit
        self.since = since
        self.searchTerm = searchTerm
        self.roomTypes = roomTypes
        self.thirdPartyInstanceId = thirdPartyInstanceId
        self.includeAllNetworks = includeAllNetworks
    }
}

/// One page of the published room directory.
public struct PublicRoomsPage: Sendable {
    public let chunk: [RoomSummary]
    public let nextBatch: String?
    public let prevBatch: String?
    public let totalRoomCountEstimate: Int

    public var json: JSONObject {
        var json: JSONObject = [
            "chunk": .array(chunk.map { .object($0.chunkJSON) }),
            "total_room_count_estimate": .int(Int64(totalRoomCountEstimate)),
        ]
        if let nextBatch { json["next_batch"] = .string(nextBatch) }
        if let prevBatch { json["prev_batch"] = .string(prevBatch) }
        return json
    }
}

/// A position in the directory's order (most joined members first, then room ID), and the direction to
/// read from it: what `next_batch` and `prev_batch` carry. Keyed on the last room seen rather than an
/// offset, so a room joining or leaving the list does not shift the pages.
struct PublicRoomsCursor: Equatable {
    let joinedMembers: Int
    let roomId: String
    let forward: Bool

    /// `f` or `b`, the member count, `.`, and the room ID in URL-safe base64.
    var token: String {
        "\(forward ? "f" : "b")\(joinedMembers).\(Base64.encode(Array(roomId.utf8), urlSafe: true))"
    }

    init(joinedMembers: Int, roomId: String, forward: Bool) {
        self.joinedMembers = joinedMembers
        self.roomId = roomId
        self.forward = forward
    }

    /// 400 `M_INVALID_PARAM` for a token this server did not make.
    init(token: String) throws {
        let invalid = MatrixError.invalidParam("Invalid since token")
        guard let direction = token.first, direction == "f" || direction == "b",
            let dot = token.firstIndex(of: ".")
        else { throw invalid }
        guard let members = Int(token[token.index(after: token.startIndex)..<dot]), members >= 0,
            let bytes = Base64.decode(String(token[token.index(after: dot)...])),
            let roomId = String(validating: bytes, as: UTF8.self), !roomId.isEmpty
        else { throw invalid }
        self.init(joinedMembers: members, roomId: roomId, forward: direction == "f")
    }

    /// Whether `summary` comes before this position in the directory's order.
    func isAfter(_ summary: RoomSummary) -> Bool {
        summary.joinedMembers > joinedMembers || (summary.joinedMembers == joinedMembers && summary.roomId < roomId)
    }

    /// Whether `summary` comes after this position.
    func isBefore(_ summary: RoomSummary) -> Bool {
        summary.joinedMembers < joinedMembers || (summary.joinedMembers == joinedMembers && summary.roomId > roomId)
    }
}
