import MatrixCore
import Testing

/// Devices for the tests that need more than the one registration gives.
extension TestServer {
    /// Logs `user` in again as a new device with the given ID.
    func loginDevice(_ user: User, _ deviceId: String) async throws -> User {
        let login = try await self.login(user.localpart, extra: ["device_id": .string(deviceId)])
        return User(userId: user.userId, localpart: user.localpart,
                    accessToken: try #require(login.json["access_token"]?.stringValue), deviceId: deviceId)
    }

    /// Deletes one of `user`'s devices through the real UIA (password) and expects success.
    func deleteDeviceOK(_ user: User, _ deviceId: String) async throws {
        let auth: JSONValue = [
            "type": "m.login.password", "password": .string(TestServer.password),
            "identifier": ["type": "m.id.user", "user": .string(user.localpart)],
        ]
        let deleted = try await client.request(
            "DELETE", "/_matrix/client/v3/devices/\(deviceId)", json: ["auth": auth], token: user.accessToken)
        #expect(deleted.status == 200, "\(deleted.json)")
    }
}
