import Foundation
import MatrixCore
import Testing

/// Helpers for the room read tests: query strings, memberships that must succeed, history visibility,
/// and reading event lists out of responses.
extension TestServer {
    /// Percent-encodes a query value (filters are JSON).
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func filterQuery(_ filter: JSONObject) -> String {
        "filter=" + queryValue(String(decoding: CanonicalJSON.encodeLenient(.object(filter)), as: UTF8.self))
    }

    /// Sets `m.room.history_visibility`, failing on a non-200.
    func setHistoryVisibility(_ user: User, _ roomId: String, _ visibility: String) async throws {
        let response = try await putState(user, roomId, type: "m.room.history_visibility",
                                          ["history_visibility": .string(visibility)])
        guard response.status == 200 else { throw TestFailure("history visibility: \(response.status) \(response.json)") }
    }

    /// Joins, failing on a non-200.
    func inviteOK(_ inviter: User, _ roomId: String, _ invitee: User) async throws {
        let response = try await invite(inviter, roomId, invitee.userId)
        guard response.status == 200 else { throw TestFailure("invite failed: \(response.status) \(response.json)") }
    }

    func leaveOK(_ user: User, _ roomId: String) async throws {
        let response = try await client.post(roomPath(roomId, "leave"), [:], token: user.accessToken)
        guard response.status == 200 else { throw TestFailure("leave failed: \(response.status) \(response.json)") }
    }

    /// `GET /rooms/{roomId}/messages?{query}`.
    func messages(_ user: User, _ roomId: String, _ query: String) async throws -> TestResponse {
        try await client.get(roomPath(roomId, "messages?\(query)"), token: user.accessToken)
    }

    /// `/_matrix/client/v1/rooms/{roomId}/{rest}`.
    func roomPathV1(_ roomId: String, _ rest: String) -> String {
        "/_matrix/client/v1/rooms/\(Self.segment(roomId))/\(rest)"
    }

    /// Sends an event of any type with any content and returns its ID, failing on a non-200.
    func sendEventOK(_ user: User, _ roomId: String, type: String = "m.room.message", _ content: JSONObject)
        async throws -> String
    {
        let response = try await send(user, roomId, type: type, content)
        guard response.status == 200, let id = response.json["event_id"]?.stringValue else {
            throw TestFailure("send failed: \(response.status) \(response.json)")
        }
        return id
    }

    /// Every message body `user` can page back through in the room (`/messages`, dir=b, all pages), oldest first.
    func visibleBodies(_ user: User, _ roomId: String) async throws -> [String] {
        var bodies: [String] = []
        var from: String? = nil
        for _ in 0..<50 {
            var query = "dir=b&limit=50"
            if let from { query += "&from=\(Self.queryValue(from))" }
            let page = try await messages(user, roomId, query)
            guard page.status == 200 else { throw TestFailure("messages: \(page.status) \(page.json)") }
            bodies += page.json.bodies
            guard let end = page.json["end"]?.stringValue else { return bodies.reversed() }
            from = end
        }
        throw TestFailure("pagination did not end")
    }
}

extension JSONValue {
    /// The events of a `chunk` (or any named array) of a response.
    func events(_ key: String = "chunk") -> [JSONObject] {
        (self[key]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    /// `content.body` of each message event in `chunk`, in order.
    var bodies: [String] { events().filter { $0["type"]?.stringValue == "m.room.message" }
        .compactMap { $0["content"]?["body"]?.stringValue } }

    /// `event_id` of each event in an array member.
    func eventIds(_ key: String = "chunk") -> [String] { events(key).compactMap { $0["event_id"]?.stringValue } }
}
