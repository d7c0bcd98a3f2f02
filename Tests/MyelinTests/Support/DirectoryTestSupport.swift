import Foundation
import MatrixCore
import Testing

/// Helpers for the alias, directory, upgrade, report and hierarchy tests.
extension TestServer {
    /// `createRoom` with the test clock moved on first: in v12 the room ID is the create event's hash, and
    /// with the clock standing still two rooms made alike by one user would get the same ID.
    func newRoom(_ user: User, _ body: JSONObject = [:]) async throws -> String {
        clock.advance(ms: 1)
        return try await createRoom(user, body)
    }

    /// `#localpart:serverName`.
    func alias(_ localpart: String) -> String { "#\(localpart):\(serverName)" }

    func aliasPath(_ alias: String) -> String { "/_matrix/client/v3/directory/room/\(Self.segment(alias))" }

    func putAlias(_ user: User, _ alias: String, _ roomId: String) async throws -> TestResponse {
        try await client.put(aliasPath(alias), ["room_id": .string(roomId)], token: user.accessToken)
    }

    func deleteAlias(_ user: User, _ alias: String) async throws -> TestResponse {
        try await client.request("DELETE", aliasPath(alias), token: user.accessToken)
    }

    /// A server admin, created in storage and logged in through the API.
    func registerAdmin(_ localpart: String) async throws -> User {
        let account = try await running.homeserver.services.registration.createAccount(
            localpart: localpart, password: TestServer.password, isAdmin: true)
        let login = try await self.login(localpart)
        guard let token = login.json["access_token"]?.stringValue, let device = login.json["device_id"]?.stringValue
        else { throw TestFailure("admin login failed: \(login.status) \(login.json)") }
        return User(userId: "@\(account.localpart):\(serverName)", localpart: localpart, accessToken: token,
                    deviceId: device)
    }

    /// A guest's access token.
    func registerGuest() async throws -> User {
        let response = try await client.post("/_matrix/client/v3/register?kind=guest", [:])
        guard let token = response.json["access_token"]?.stringValue, let userId = response.json["user_id"]?.stringValue,
            let device = response.json["device_id"]?.stringValue
        else { throw TestFailure("guest registration failed: \(response.status) \(response.json)") }
        return User(userId: userId, localpart: "", accessToken: token, deviceId: device)
    }

    /// Joins and fails the test on a non-200.
    func joinOK(_ user: User, _ roomIdOrAlias: String) async throws {
        let response = try await join(user, roomIdOrAlias)
        guard response.status == 200 else { throw TestFailure("join failed: \(response.status) \(response.json)") }
    }

    func putStateOK(_ user: User, _ roomId: String, type: String, stateKey: String = "", _ content: JSONObject)
        async throws
    {
        let response = try await putState(user, roomId, type: type, stateKey: stateKey, content)
        guard response.status == 200 else {
            throw TestFailure("state \(type) failed: \(response.status) \(response.json)")
        }
    }

    /// The content of a current state event, read through the room service.
    func stateContent(_ roomId: String, _ type: String, _ stateKey: String = "") async throws -> JSONObject? {
        let rooms = running.homeserver.services.rooms
        return try await rooms.currentStateEvent(try await rooms.room(roomId), type: type, stateKey: stateKey)?.content
    }

    /// The sender of a current state event.
    func stateSender(_ roomId: String, _ type: String, _ stateKey: String = "") async throws -> String? {
        let rooms = running.homeserver.services.rooms
        return try await rooms.currentStateEvent(try await rooms.room(roomId), type: type, stateKey: stateKey)?.sender
    }
}
