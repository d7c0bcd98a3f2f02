import Foundation
import MatrixCore
import MyelinEphemeral
import Testing

/// Helpers for the typing, receipt, read marker and presence tests: the endpoints, and the services sync
/// will read (positions, changes since a position).
extension TestServer {
    var ephemeral: EphemeralServices { running.homeserver.services.ephemeral }

    func typing(_ user: User, _ roomId: String, as userId: String? = nil, _ body: JSONObject) async throws
        -> TestResponse
    {
        try await client.put(roomPath(roomId, "typing/\(Self.segment(userId ?? user.userId))"), .object(body),
                             token: user.accessToken)
    }

    func receipt(_ user: User, _ roomId: String, _ type: String, _ eventId: String, _ body: JSONObject = [:])
        async throws -> TestResponse
    {
        try await client.post(roomPath(roomId, "receipt/\(Self.segment(type))/\(Self.segment(eventId))"),
                              .object(body), token: user.accessToken)
    }

    func readMarkers(_ user: User, _ roomId: String, _ body: JSONObject) async throws -> TestResponse {
        try await client.post(roomPath(roomId, "read_markers"), .object(body), token: user.accessToken)
    }

    func putPresence(_ user: User, of userId: String? = nil, _ body: JSONObject) async throws -> TestResponse {
        try await client.put("/_matrix/client/v3/presence/\(Self.segment(userId ?? user.userId))/status",
                             .object(body), token: user.accessToken)
    }

    func getPresence(_ user: User, of userId: String) async throws -> TestResponse {
        try await client.get("/_matrix/client/v3/presence/\(Self.segment(userId))/status", token: user.accessToken)
    }

    /// A public room `owner` created, joined by each of `members`.
    func sharedRoom(_ owner: User, _ members: [User], _ body: JSONObject = ["preset": "public_chat"]) async throws
        -> String
    {
        let roomId = try await createRoom(owner, body)
        for member in members {
            let joined = try await join(member, roomId)
            guard joined.status == 200 else { throw TestFailure("join failed: \(joined.status) \(joined.json)") }
        }
        return roomId
    }

    /// Sends a thread reply to `rootId` and returns its event ID.
    func sendThreadReply(_ user: User, _ roomId: String, root rootId: String, _ body: String = "reply") async throws
        -> String
    {
        let response = try await send(user, roomId, [
            "msgtype": "m.text", "body": .string(body),
            "m.relates_to": ["rel_type": "m.thread", "event_id": .string(rootId)],
        ])
        guard response.status == 200, let id = response.json["event_id"]?.stringValue else {
            throw TestFailure("thread reply failed: \(response.status) \(response.json)")
        }
        return id
    }

    /// The `m.fully_read` room account data of the user, or nil.
    func fullyRead(_ user: User, _ roomId: String) async throws -> String? {
        let response = try await client.get(
            "/_matrix/client/v3/user/\(Self.segment(user.userId))/rooms/\(Self.segment(roomId))/account_data/m.fully_read",
            token: user.accessToken)
        return response.status == 200 ? response.json["event_id"]?.stringValue : nil
    }

    /// Waits (without blocking the thread pool) until `condition` holds, for up to about five seconds.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// The first notice a feed delivers, or nil after about five seconds.
func firstNotice<Change: Sendable>(_ stream: AsyncStream<Change>) async -> Change? {
    await withTaskGroup(of: Change?.self) { group in
        group.addTask {
            for await change in stream { return change }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(5))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

extension JSONObject {
    /// `content[eventId][type][userId]` of an `m.receipt` content.
    func receipt(_ eventId: String, _ type: String, _ userId: String) -> JSONObject? {
        self[eventId]?.objectValue?[type]?.objectValue?[userId]?.objectValue
    }
}
