import Foundation
import MatrixCore

extension TestServer {
    static let slidingSyncPath = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync"
}

extension ClientAPIPeer {
    /// One sliding sync request; `pos` and `timeout` in the query, as Element X sends them.
    func slidingSync(_ user: TestServer.User, _ body: JSONObject, pos: String? = nil, timeout: Int = 0) async throws
        -> TestResponse
    {
        var query = ["timeout=\(timeout)"]
        if let pos { query.append("pos=\(TestServer.queryValue(pos))") }
        return try await client.post(TestServer.slidingSyncPath + "?" + query.joined(separator: "&"), .object(body),
                                     token: user.accessToken)
    }

}

extension TestServer {
    /// A list over every room with the given window and config.
    static func slidingList(_ range: [Int64] = [0, 19], timelineLimit: Int64 = 5,
                            requiredState: [[String]] = [["m.room.create", ""]], filters: JSONObject? = nil) -> JSONValue {
        var list: JSONObject = [
            "ranges": .array([.array(range.map(JSONValue.int))]),
            "timeline_limit": .int(timelineLimit),
            "required_state": .array(requiredState.map { .array($0.map(JSONValue.string)) }),
        ]
        if let filters { list["filters"] = .object(filters) }
        return .object(list)
    }
}

/// Reading sliding sync answers in tests.
extension JSONValue {
    /// The room IDs a list's SYNC operations name, in order.
    var listRoomIds: [String] {
        (self["ops"]?.arrayValue ?? []).flatMap { $0["room_ids"]?.arrayValue ?? [] }.compactMap(\.stringValue)
    }

    var timelineBodies: [String] {
        (self["timeline"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
    }

    /// `type|state_key` of each required_state event.
    var requiredStateKeys: Set<String> {
        Set((self["required_state"]?.arrayValue ?? []).compactMap { event in
            guard let type = event["type"]?.stringValue, let key = event["state_key"]?.stringValue else { return nil }
            return "\(type)|\(key)"
        })
    }
}
