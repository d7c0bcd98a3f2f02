import Foundation
import MatrixCore
import Testing

/// `GET /admin/whois/{userId}`: users see their own devices, server admins anyone's, others nobody's.
@Suite struct WhoisTests {
    @Test func devicesWithWhereTheyWereLastSeen() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let path = "/_matrix/client/v3/admin/whois/\(TestServer.segment(alice.userId))"
            // A request marks the device as seen from this address.
            _ = try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken)
            let own = try await server.client.get(path, token: alice.accessToken)
            #expect(own.status == 200)
            #expect(own.json["user_id"]?.stringValue == alice.userId)
            let connections = own.json["devices"]?[alice.deviceId]?["sessions"]?.arrayValue?.first?["connections"]
            #expect(connections?.arrayValue?.first?["ip"]?.stringValue == "127.0.0.1")
            #expect(connections?.arrayValue?.first?["last_seen"]?.intValue != nil)

            let other = try await server.client.get(path, token: bob.accessToken)
            #expect(other.status == 403)
            #expect(other.errcode == "M_FORBIDDEN")
            let admin = try await server.registerAdmin("root")
            let byAdmin = try await server.client.get(path, token: admin.accessToken)
            #expect(byAdmin.status == 200)
            #expect(byAdmin.json["devices"]?.objectValue?.keys.contains(alice.deviceId) == true)
            let nobody = try await server.client.get("/_matrix/client/v3/admin/whois/%40nobody%3Alocalhost",
                                                     token: admin.accessToken)
            #expect(nobody.status == 404)
            #expect(nobody.errcode == "M_NOT_FOUND")
            let remote = try await server.client.get("/_matrix/client/v3/admin/whois/%40alice%3Aelsewhere.org",
                                                     token: admin.accessToken)
            #expect(remote.status == 404)
        }
    }
}
