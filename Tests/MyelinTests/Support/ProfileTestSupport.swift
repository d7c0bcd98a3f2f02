import Foundation
import MatrixCore
import Testing

/// Profile and user directory helpers for HTTP tests.
extension TestServer {
    func profilePath(_ userId: String, _ key: String? = nil) -> String {
        "/_matrix/client/v3/profile/\(Self.segment(userId))" + (key.map { "/\(Self.segment($0))" } ?? "")
    }

    /// `PUT /profile/{userId}/{key}` with `{key: value}`.
    func putProfile(_ user: User, _ key: String, _ value: JSONValue, of userId: String? = nil) async throws
        -> TestResponse
    {
        try await client.put(profilePath(userId ?? user.userId, key), .object([key: value]), token: user.accessToken)
    }

    func putProfileOK(_ user: User, _ key: String, _ value: JSONValue) async throws {
        let response = try await putProfile(user, key, value)
        guard response.status == 200 else {
            throw TestFailure("PUT profile \(key) failed: \(response.status) \(response.json)")
        }
    }

    func deleteProfile(_ user: User, _ key: String, of userId: String? = nil) async throws -> TestResponse {
        try await client.request("DELETE", profilePath(userId ?? user.userId, key), token: user.accessToken)
    }

    /// The member event content served by `GET /rooms/{roomId}/state/m.room.member/{userId}`.
    func memberContent(_ viewer: User, _ roomId: String, _ userId: String) async throws -> JSONObject {
        let response = try await client.get(
            roomPath(roomId, "state/m.room.member/\(Self.segment(userId))"), token: viewer.accessToken)
        guard response.status == 200, case .object(let content) = response.json else {
            throw TestFailure("member state of \(userId) failed: \(response.status) \(response.json)")
        }
        return content
    }

    /// `POST /user_directory/search`; the user IDs found, in order, and `limited`.
    func searchUsers(_ user: User, _ term: String, limit: Int? = nil) async throws -> (ids: [String], limited: Bool?) {
        var body: JSONObject = ["search_term": .string(term)]
        if let limit { body["limit"] = .int(Int64(limit)) }
        let response = try await client.post("/_matrix/client/v3/user_directory/search", .object(body),
                                             token: user.accessToken)
        guard response.status == 200, let results = response.json["results"]?.arrayValue else {
            throw TestFailure("user directory search failed: \(response.status) \(response.json)")
        }
        return (results.compactMap { $0["user_id"]?.stringValue }, response.json["limited"]?.boolValue)
    }

    func deactivate(_ user: User) async throws {
        let response = try await client.post("/_matrix/client/v3/account/deactivate", [
            "auth": ["type": "m.login.password", "password": .string(TestServer.password),
                     "identifier": ["type": "m.id.user", "user": .string(user.localpart)]],
        ], token: user.accessToken)
        guard response.status == 200 else { throw TestFailure("deactivate failed: \(response.status) \(response.json)") }
    }
}
