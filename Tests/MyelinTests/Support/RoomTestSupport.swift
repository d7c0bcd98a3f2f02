import Foundation
import MatrixCore
import Testing

/// Anything tests drive through the client API: our in-process servers and the Synapse peer.
protocol ClientAPIPeer: Sendable {
    var client: TestClient { get }
}

extension TestServer: ClientAPIPeer {}
extension SynapsePeer: ClientAPIPeer {}

/// A bare client (a `myelin serve` process's) is a peer of its own.
extension TestClient: ClientAPIPeer {
    var client: TestClient { self }
}

/// Room helpers for HTTP tests: every call goes through the real endpoints.
extension ClientAPIPeer {
    /// Percent-encodes one path segment (room IDs, aliases with `#`, event IDs, state keys).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=:@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func roomPath(_ roomId: String, _ rest: String) -> String {
        "/_matrix/client/v3/rooms/\(Self.segment(roomId))/\(rest)"
    }

    /// Creates a room and returns its ID; fails the test on a non-200.
    func createRoom(_ user: TestServer.User, _ body: JSONObject = [:]) async throws -> String {
        let response = try await client.post("/_matrix/client/v3/createRoom", .object(body), token: user.accessToken)
        guard response.status == 200, let roomId = response.json["room_id"]?.stringValue else {
            throw TestFailure("createRoom failed: \(response.status) \(response.json)")
        }
        return roomId
    }

    /// Sends a message event with a fresh transaction ID; returns the response.
    func send(_ user: TestServer.User, _ roomId: String, type: String = "m.room.message",
              _ content: JSONObject = ["msgtype": "m.text", "body": "hello"], txnId: String = UUID().uuidString)
        async throws -> TestResponse
    {
        try await client.put(roomPath(roomId, "send/\(Self.segment(type))/\(Self.segment(txnId))"), .object(content),
                             token: user.accessToken)
    }

    /// Sends and returns the event ID, failing on a non-200.
    func sendOK(_ user: TestServer.User, _ roomId: String, _ body: String = "hello") async throws -> String {
        let response = try await send(user, roomId, ["msgtype": "m.text", "body": .string(body)])
        guard response.status == 200, let id = response.json["event_id"]?.stringValue else {
            throw TestFailure("send failed: \(response.status) \(response.json)")
        }
        return id
    }

    func putState(_ user: TestServer.User, _ roomId: String, type: String, stateKey: String = "", _ content: JSONObject)
        async throws -> TestResponse
    {
        try await client.put(roomPath(roomId, "state/\(Self.segment(type))/\(Self.segment(stateKey))"),
                             .object(content), token: user.accessToken)
    }

    /// Joins by room ID or alias through `POST /join/{roomIdOrAlias}`.
    func join(_ user: TestServer.User, _ roomIdOrAlias: String) async throws -> TestResponse {
        try await client.post("/_matrix/client/v3/join/\(Self.segment(roomIdOrAlias))", [:], token: user.accessToken)
    }

    func invite(_ user: TestServer.User, _ roomId: String, _ userId: String) async throws -> TestResponse {
        try await client.post(roomPath(roomId, "invite"), ["user_id": .string(userId)], token: user.accessToken)
    }
}
