import MatrixCore

/// A room in a space hierarchy page: its summary and, for a space, its `m.space.child` events in
/// stripped form (with `origin_server_ts`).
public struct SpaceHierarchyRoom: Sendable {
    public let summary: RoomSummary
    public let childrenState: [JSONObject]

    public var json: JSONObject {
        var json = summary.summaryJSON
        json["children_state"] = .array(childrenState.map(JSONValue.object))
        return json
    }
}

/// One page of `GET /rooms/{roomId}/hierarchy`.
public struct SpaceHierarchyPage: Sendable {
    public let rooms: [SpaceHierarchyRoom]
    public let nextBatch: String?

    public var json: JSONObject {
        var json: JSONObject = ["rooms": .array(rooms.map { .object($0.json) })]
        if let nextBatch { json["next_batch"] = .string(nextBatch) }
        return json
    }
}

/// Where a hierarchy walk stopped: the request it belongs to (which may not change between pages, as
/// the spec says) and how many rooms earlier pages returned. The walk is replayed from the root and the
/// first `offset` rooms skipped: nothing is kept on the server, at the price of re-reading those rooms'
/// state, which for a family server's spaces is small.
struct SpaceHierarchyCursor: Equatable {
    let roomId: String
    let suggestedOnly: Bool
    let maxDepth: Int?
    let offset: Int

    var token: String {
        let json: JSONObject = [
            "r": .string(roomId), "s": .bool(suggestedOnly), "d": maxDepth.map { .int(Int64($0)) } ?? .null,
            "o": .int(Int64(offset)),
        ]
        return Base64.encode(CanonicalJSON.encodeLenient(.object(json)), urlSafe: true)
    }

    init(roomId: String, suggestedOnly: Bool, maxDepth: Int?, offset: Int) {
        self.roomId = roomId
        self.suggestedOnly = suggestedOnly
        self.maxDepth = maxDepth
        self.offset = offset
    }

    /// 400 `M_INVALID_PARAM` for a token this server did not make.
    init(token: String) throws {
        let invalid = MatrixError.invalidParam("Unknown pagination token")
        guard let bytes = Base64.decode(token), case .object(let json)? = try? JSONParser.parse(bytes),
            let roomId = json["r"]?.stringValue, let suggested = json["s"]?.boolValue,
            let offset = json["o"]?.intValue, offset >= 0, offset <= Int64(Int32.max)
        else { throw invalid }
        var maxDepth: Int? = nil
        switch json["d"] {
        case .null?: break
        case .int(let depth)? where depth >= 0 && depth <= Int64(Int32.max): maxDepth = Int(depth)
        default: throw invalid
        }
        self.init(roomId: roomId, suggestedOnly: suggested, maxDepth: maxDepth, offset: Int(offset))
    }
}
