import Foundation
import MatrixCore
import Testing

@Suite struct DeviceTests {
    let auth: JSONValue = [
        "type": "m.login.password", "password": .string(TestServer.password),
        "identifier": ["type": "m.id.user", "user": "alice"],
    ]

    @Test func listGetRename() async throws {
        try await withServer { server in
            let alice = try await server.register("alice", extra: ["initial_device_display_name": "First"])
            _ = try await server.login("alice", extra: ["device_id": "SECOND"])
            let list = try await server.client.get("/_matrix/client/v3/devices", token: alice.accessToken)
            #expect(list.status == 200)
            let devices = list.json["devices"]?.arrayValue ?? []
            #expect(devices.count == 2)
            let first = try #require(devices.first { $0["device_id"]?.stringValue == alice.deviceId })
            #expect(first["display_name"]?.stringValue == "First")
            #expect(first["last_seen_ts"]?.intValue != nil)
            #expect(first["last_seen_ip"]?.stringValue == "127.0.0.1")

            let rename = try await server.client.put(
                "/_matrix/client/v3/devices/SECOND", ["display_name": "Renamed"], token: alice.accessToken)
            #expect(rename.status == 200)
            let second = try await server.client.get("/_matrix/client/v3/devices/SECOND", token: alice.accessToken)
            #expect(second.json["display_name"]?.stringValue == "Renamed")
            #expect(second.json["device_id"]?.stringValue == "SECOND")
        }
    }

    @Test func otherUsersDevicesAreInvisible() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let peek = try await server.client.get("/_matrix/client/v3/devices/\(alice.deviceId)", token: bob.accessToken)
            #expect(peek.status == 404)
            #expect(peek.errcode == "M_NOT_FOUND")
            let rename = try await server.client.put(
                "/_matrix/client/v3/devices/\(alice.deviceId)", ["display_name": "x"], token: bob.accessToken)
            #expect(rename.status == 404)
            let missing = try await server.client.get("/_matrix/client/v3/devices/NOPE", token: alice.accessToken)
            #expect(missing.status == 404)
            let badName = try await server.client.put(
                "/_matrix/client/v3/devices/\(alice.deviceId)", ["display_name": 7], token: alice.accessToken)
            #expect(badName.errcode == "M_BAD_JSON")
        }
    }

    @Test func deleteDeviceNeedsUIAAndKillsItsTokens() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let other = try await server.login("alice", extra: ["device_id": "DOOMED"])
            let otherToken = try #require(other.json["access_token"]?.stringValue)

            let challenge = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/DOOMED", token: alice.accessToken)
            #expect(challenge.status == 401)
            #expect(challenge.json["flows"]?.arrayValue?.first?["stages"] == ["m.login.password"])
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: otherToken).status == 200)

            let session = try #require(challenge.json["session"]?.stringValue)
            var withSession = auth.objectValue ?? [:]
            withSession["session"] = .string(session)
            let deleted = try await server.client.request(
                "DELETE", "/_matrix/client/v3/devices/DOOMED", json: ["auth": .object(withSession)],
                token: alice.accessToken)
            #expect(deleted.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: otherToken).status == 401)
            #expect(try await server.client.get("/_matrix/client/v3/devices/DOOMED", token: alice.accessToken).status == 404)
        }
    }

    @Test func deleteDevicesInBulk() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let a = try #require(try await server.login("alice", extra: ["device_id": "A"]).json["access_token"]?.stringValue)
            let b = try #require(try await server.login("alice", extra: ["device_id": "B"]).json["access_token"]?.stringValue)
            let missing = try await server.client.post("/_matrix/client/v3/delete_devices", ["auth": auth],
                                                       token: alice.accessToken)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let wrongType = try await server.client.post("/_matrix/client/v3/delete_devices", ["devices": "A"],
                                                         token: alice.accessToken)
            #expect(wrongType.errcode == "M_BAD_JSON")
            let done = try await server.client.post(
                "/_matrix/client/v3/delete_devices", ["devices": ["A", "B", "UNKNOWN"], "auth": auth],
                token: alice.accessToken)
            #expect(done.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: a).status == 401)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: b).status == 401)
            let list = try await server.client.get("/_matrix/client/v3/devices", token: alice.accessToken)
            #expect(list.json["devices"]?.arrayValue?.count == 1)
        }
    }
}
