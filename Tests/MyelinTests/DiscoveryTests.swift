import Foundation
import MatrixCore
import Testing

@Suite struct DiscoveryTests {
    @Test func versionsListsSpecVersions() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_matrix/client/versions")
            #expect(response.status == 200)
            let versions = response.json["versions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(versions == ["r0.5.0", "r0.6.0", "r0.6.1"] + (1...19).map { "v1.\($0)" })
            let features = try #require(response.json["unstable_features"]?.objectValue)
            #expect(features["org.matrix.simplified_msc3575"] == true)
            #expect(features["org.matrix.msc3916.stable"] == true)
            #expect(features["org.matrix.msc3827.stable"] == true)
            #expect(features.values.allSatisfy { $0.boolValue != nil })
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Access-Control-Allow-Origin") == "*")
            // Spec v1.10: clients may send their token; the answer is the same, even for a stale token.
            let alice = try await server.register("alice")
            let authenticated = try await server.client.get("/_matrix/client/versions", token: alice.accessToken)
            #expect(authenticated.status == 200)
            #expect(authenticated.json == response.json)
            let stale = try await server.client.get("/_matrix/client/versions", token: "myl_a_revoked")
            #expect(stale.status == 200)
        }
    }

    @Test func wellKnownComesFromConfig() async throws {
        try await withServer({ config in
            config.wellKnownClientBaseURL = "https://matrix.example.org"
            config.wellKnownServer = "matrix.example.org:443"
        }) { server in
            let client = try await server.client.get("/.well-known/matrix/client")
            #expect(client.status == 200)
            #expect(client.json["m.homeserver"]?["base_url"]?.stringValue == "https://matrix.example.org")
            let federation = try await server.client.get("/.well-known/matrix/server")
            #expect(federation.json["m.server"]?.stringValue == "matrix.example.org:443")
        }
    }

    @Test func clientDiscoveryDefaultsToTheServerNameAndDelegationIsOptIn() async throws {
        try await withServer { server in
            let client = try await server.client.get("/.well-known/matrix/client")
            #expect(client.status == 200)
            #expect(client.json["m.homeserver"]?["base_url"]?.stringValue == "https://\(server.serverName)/")
            let federation = try await server.client.get("/.well-known/matrix/server")
            #expect(federation.status == 404)
            #expect(federation.errcode == "M_NOT_FOUND")
        }
    }

    @Test func capabilitiesNeedAuthAndDescribeTheServer() async throws {
        try await withServer { server in
            let anonymous = try await server.client.get("/_matrix/client/v3/capabilities")
            #expect(anonymous.status == 401)
            #expect(anonymous.errcode == "M_MISSING_TOKEN")
            let alice = try await server.register("alice")
            let response = try await server.client.get("/_matrix/client/v3/capabilities", token: alice.accessToken)
            #expect(response.status == 200)
            let caps = try #require(response.json["capabilities"])
            #expect(caps["m.change_password"] == ["enabled": true])
            #expect(caps["m.set_displayname"] == ["enabled": true])
            #expect(caps["m.set_avatar_url"] == ["enabled": true])
            #expect(caps["m.profile_fields"] == ["enabled": true])
            #expect(caps["m.3pid_changes"] == ["enabled": false])
            #expect(caps["m.get_login_token"] == ["enabled": true])
            #expect(caps["m.forget_forced_upon_leave"] == ["enabled": false])
            #expect(caps["m.room_versions"]?["default"]?.stringValue == "12")
            let available = try #require(caps["m.room_versions"]?["available"]?.objectValue)
            #expect(Set(available.keys) == Set((1...12).map(String.init)))
            #expect(available.values.allSatisfy { $0 == "stable" })
        }
    }

    /// Each capability tells the truth: what it enables works, what it disables is refused.
    @Test func capabilitiesMatchWhatTheEndpointsDo() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let profile = "/_matrix/client/v3/profile/\(TestServer.segment(alice.userId))"
            #expect(try await server.client.put(profile + "/displayname", ["displayname": "A"], token: alice.accessToken)
                .status == 200)
            #expect(try await server.client.put(profile + "/avatar_url", ["avatar_url": "mxc://localhost/a"],
                                                token: alice.accessToken).status == 200)
            #expect(try await server.client.put(profile + "/org.example.job", ["org.example.job": "tester"],
                                                token: alice.accessToken).status == 200)
            // m.get_login_token: the endpoint answers with its user-interactive authentication.
            let token = try await server.client.post("/_matrix/client/v1/login/get_token", [:], token: alice.accessToken)
            #expect(token.status == 401)
            #expect(token.json["flows"]?.arrayValue?.isEmpty == false)
            // m.3pid_changes false: refused.
            #expect(try await server.client.post("/_matrix/client/v3/account/3pid/add", [:], token: alice.accessToken)
                .status == 403)

            // A guest may change its displayname and nothing else.
            let guest = try await server.registerGuest()
            let caps = try await server.client.get("/_matrix/client/v3/capabilities", token: guest.accessToken)
                .json["capabilities"]
            #expect(caps?["m.change_password"] == ["enabled": false])
            #expect(caps?["m.set_displayname"] == ["enabled": true])
            #expect(caps?["m.set_avatar_url"] == ["enabled": false])
            #expect(caps?["m.profile_fields"] == ["enabled": true, "allowed": ["displayname"]])
            #expect(caps?["m.get_login_token"] == ["enabled": false])
            let guestProfile = "/_matrix/client/v3/profile/\(TestServer.segment(guest.userId))"
            #expect(try await server.client.put(guestProfile + "/displayname", ["displayname": "G"],
                                                token: guest.accessToken).status == 200)
            #expect(try await server.client.put(guestProfile + "/avatar_url", ["avatar_url": "mxc://localhost/g"],
                                                token: guest.accessToken).status == 403)
            #expect(try await server.client.post("/_matrix/client/v3/account/password", ["new_password": "whatever123"],
                                                 token: guest.accessToken).status == 403)
            let guestToken = try await server.client.post("/_matrix/client/v1/login/get_token", [:],
                                                          token: guest.accessToken)
            #expect(guestToken.status == 403)
            #expect(guestToken.errcode == "M_GUEST_ACCESS_FORBIDDEN")
        }
    }

    @Test func unknownEndpointIsUnrecognized404() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_matrix/client/v3/no_such_thing")
            #expect(response.status == 404)
            #expect(response.errcode == "M_UNRECOGNIZED")
            let outside = try await server.client.get("/favicon.ico")
            #expect(outside.status == 404)
            #expect(outside.errcode == "M_UNRECOGNIZED")
        }
    }

    @Test func wrongMethodIs405Unrecognized() async throws {
        try await withServer { server in
            let response = try await server.client.request("DELETE", "/_matrix/client/versions")
            #expect(response.status == 405)
            #expect(response.errcode == "M_UNRECOGNIZED")
            let post = try await server.client.post("/_matrix/client/v3/account/whoami")
            #expect(post.status == 405)
        }
    }

    @Test func optionsAnswersCORSPreflightAnywhere() async throws {
        try await withServer { server in
            let response = try await server.client.request(
                "OPTIONS", "/_matrix/client/v3/login",
                headers: ["Origin": "https://app.element.io", "Access-Control-Request-Method": "POST"])
            #expect(response.status == 200)
            #expect(response.header("Access-Control-Allow-Origin") == "*")
            #expect(response.header("Access-Control-Allow-Methods")?.contains("PUT") == true)
            #expect(response.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
        }
    }

    @Test func errorsCarryCORSHeadersToo() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_matrix/client/v3/account/whoami")
            #expect(response.status == 401)
            #expect(response.header("Access-Control-Allow-Origin") == "*")
        }
    }

    @Test func capabilitiesNameTheConfiguredDefaultRoomVersion() async throws {
        try await withServer({ $0.defaultRoomVersion = "10" }) { server in
            let alice = try await server.register("alice")
            let caps = try await server.client.get("/_matrix/client/v3/capabilities", token: alice.accessToken)
            #expect(caps.json["capabilities"]?["m.room_versions"]?["default"]?.stringValue == "10")
        }
    }

    @Test func authMetadataSaysThereIsNoOAuthAPI() async throws {
        try await withServer { server in
            for path in ["/_matrix/client/v1/auth_metadata", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata",
                         "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer"] {
                let response = try await server.client.get(path)
                #expect(response.status == 404, "\(path)")
                #expect(response.errcode == "M_UNRECOGNIZED", "\(path)")
                #expect(response.json["error"]?.stringValue?.contains("OAuth") == true, "\(path)")
            }
        }
    }

    @Test func supportInformationComesFromConfig() async throws {
        try await withServer { server in
            let none = try await server.client.get("/.well-known/matrix/support")
            #expect(none.status == 404)
            #expect(none.errcode == "M_NOT_FOUND")
        }
        try await withServer({ config in
            config.wellKnownSupportPage = "https://example.org/help"
            config.wellKnownAdminContacts = ["@admin:example.org", "admin@example.org"]
        }) { server in
            let support = try await server.client.get("/.well-known/matrix/support")
            #expect(support.status == 200)
            #expect(support.json == [
                "contacts": [["matrix_id": "@admin:example.org", "role": "m.role.admin"],
                             ["email_address": "admin@example.org", "role": "m.role.admin"]],
                "support_page": "https://example.org/help",
            ])
        }
    }
}
