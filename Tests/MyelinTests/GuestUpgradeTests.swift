import Foundation
import MatrixCore
import Testing

/// `POST /register` with `guest_access_token` upgrades the guest in place (spec, "Guest access"): the same
/// user ID with its rooms and devices, a password, no longer a guest.
@Suite struct GuestUpgradeTests {
    let path = "/_matrix/client/v3/register"

    func registerGuest(_ server: TestServer) async throws -> TestServer.User {
        let response = try await server.client.post("\(path)?kind=guest", [:])
        let userId = try #require(response.json["user_id"]?.stringValue)
        return TestServer.User(
            userId: userId, localpart: String(userId.dropFirst().prefix { $0 != ":" }),
            accessToken: try #require(response.json["access_token"]?.stringValue),
            deviceId: try #require(response.json["device_id"]?.stringValue))
    }

    /// Runs the registration stages with `body`; returns the final answer.
    func upgrade(_ server: TestServer, _ body: JSONObject) async throws -> TestResponse {
        let first = try await server.client.post(path, .object(body))
        guard first.status == 401, let session = first.json["session"]?.stringValue else { return first }
        var withAuth = body
        withAuth["auth"] = ["type": "m.login.dummy", "session": .string(session)]
        return try await server.client.post(path, .object(withAuth))
    }

    @Test func theGuestKeepsItsIDRoomsAndDevices() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let guest = try await registerGuest(server)
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            #expect(try await server.putState(alice, roomId, type: "m.room.guest_access",
                                              ["guest_access": "can_join"]).status == 200)
            #expect(try await server.join(guest, roomId).status == 200)

            let upgraded = try await upgrade(server, [
                "username": .string(guest.localpart), "password": .string(TestServer.password),
                "guest_access_token": .string(guest.accessToken), "initial_device_display_name": "Laptop",
            ])
            #expect(upgraded.status == 200)
            #expect(upgraded.json["user_id"]?.stringValue == guest.userId)
            let token = try #require(upgraded.json["access_token"]?.stringValue)

            // The old token is the same account's, now a full one; the room membership stayed.
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: guest.accessToken)
            #expect(whoami.json["user_id"]?.stringValue == guest.userId)
            #expect(whoami.json["is_guest"]?.boolValue == false)
            #expect(try await server.currentMembership(roomId, guest.userId) == "join")
            let devices = try await server.client.get("/_matrix/client/v3/devices", token: token)
            let ids = Set(devices.json["devices"]?.arrayValue?.compactMap { $0["device_id"]?.stringValue } ?? [])
            #expect(ids.contains(guest.deviceId))
            #expect(ids.count == 2)
            // What guests may not do, the account now may; and it logs in with its password.
            let renamed = try await server.client.put(
                "/_matrix/client/v3/profile/\(TestServer.segment(guest.userId))/avatar_url",
                ["avatar_url": "mxc://localhost/a"], token: token)
            #expect(renamed.status == 200)
            #expect(try await server.login(guest.localpart).status == 200)
        }
    }

    @Test func withoutAUsernameTheGuestKeepsItsLocalpart() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let guest = try await registerGuest(server)
            let upgraded = try await upgrade(server, [
                "password": .string(TestServer.password), "guest_access_token": .string(guest.accessToken),
            ])
            #expect(upgraded.status == 200)
            #expect(upgraded.json["user_id"]?.stringValue == guest.userId)
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: guest.accessToken)
            #expect(whoami.json["is_guest"]?.boolValue == false)
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let guest = try await registerGuest(server)
            let cases: [(String, JSONObject)] = [
                ("another username", ["username": "newname", "guest_access_token": .string(guest.accessToken)]),
                ("a full user's token", ["username": "alice", "guest_access_token": .string(alice.accessToken)]),
                ("an unknown token", ["username": .string(guest.localpart), "guest_access_token": "myl_a_nope"]),
            ]
            for (name, fields) in cases {
                var body = fields
                body["password"] = .string(TestServer.password)
                let response = try await upgrade(server, body)
                #expect(response.status == 403, "\(name)")
                #expect(response.errcode == "M_FORBIDDEN", "\(name)")
            }
            #expect(try await server.client.get("\(path)/available?username=newname").status == 200)
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: guest.accessToken)
            #expect(whoami.json["is_guest"]?.boolValue == true)

            // A session started to upgrade this guest is bound to it: not a plain registration, not twice.
            let first = try await server.client.post(path, [
                "password": .string(TestServer.password), "guest_access_token": .string(guest.accessToken),
            ])
            let session = try #require(first.json["session"]?.stringValue)
            let plain = try await server.client.post(path, [
                "username": "somebody", "password": .string(TestServer.password),
                "auth": ["type": "m.login.dummy", "session": .string(session)],
            ])
            #expect(plain.status == 403)
            let done = try await server.client.post(path, ["auth": ["type": "m.login.dummy", "session": .string(session)]])
            #expect(done.status == 200)
            #expect(done.json["user_id"]?.stringValue == guest.userId)
            let twice = try await upgrade(server, [
                "password": .string(TestServer.password), "guest_access_token": .string(guest.accessToken),
            ])
            #expect(twice.status == 403)
        }
    }
}
