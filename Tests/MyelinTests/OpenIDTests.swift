import Foundation
import MatrixCore
import Testing

/// OpenID tokens: issued to a user for themself, exchanged by a third party for the user ID over the
/// federation API, unknown once an hour has passed.
@Suite struct OpenIDTests {
    func requestToken(_ server: TestServer, for userId: String, token: String?) async throws -> TestResponse {
        try await server.client.post("/_matrix/client/v3/user/\(TestServer.segment(userId))/openid/request_token", [:],
                                     token: token)
    }

    func userinfo(_ server: TestServer, _ token: String) async throws -> TestResponse {
        try await server.client.get("/_matrix/federation/v1/openid/userinfo?access_token=\(TestServer.segment(token))")
    }

    @Test func aTokenProvesWhoAsked() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let issued = try await requestToken(server, for: alice.userId, token: alice.accessToken)
            #expect(issued.status == 200)
            #expect(issued.json["token_type"]?.stringValue == "Bearer")
            #expect(issued.json["matrix_server_name"]?.stringValue == server.serverName)
            #expect(issued.json["expires_in"]?.intValue == 3600)
            let token = try #require(issued.json["access_token"]?.stringValue)
            let info = try await userinfo(server, token)
            #expect(info.status == 200)
            #expect(info.json == ["sub": .string(alice.userId)])
            // It is no access token for the client API.
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: token)
            #expect(whoami.status == 401)
            // An hour later it is gone.
            server.clock.advance(ms: 3_600_001)
            let expired = try await userinfo(server, token)
            #expect(expired.status == 401)
            #expect(expired.errcode == "M_UNKNOWN_TOKEN")
        }
    }

    @Test func refusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            #expect(try await requestToken(server, for: alice.userId, token: nil).status == 401)
            let forOther = try await requestToken(server, for: alice.userId, token: bob.accessToken)
            #expect(forOther.status == 403)
            #expect(forOther.errcode == "M_FORBIDDEN")
            let guest = try await server.registerGuest()
            let byGuest = try await requestToken(server, for: guest.userId, token: guest.accessToken)
            #expect(byGuest.status == 403)
            #expect(byGuest.errcode == "M_GUEST_ACCESS_FORBIDDEN")
            let unknown = try await userinfo(server, "myl_o_nothing")
            #expect(unknown.status == 401)
            #expect(unknown.errcode == "M_UNKNOWN_TOKEN")
            let missing = try await server.client.get("/_matrix/federation/v1/openid/userinfo")
            #expect(missing.status == 401)
            // A client access token is no OpenID token.
            #expect(try await userinfo(server, alice.accessToken).status == 401)
        }
    }
}
