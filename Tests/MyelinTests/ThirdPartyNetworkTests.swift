import Foundation
import MatrixCore
import Testing

/// Bridges: Myelin registers no application services, so there are no third-party protocols and the
/// endpoints only application services may call refuse every user.
@Suite struct ThirdPartyNetworkTests {
    @Test func thereAreNoProtocolsAndLookupsFindNothing() async throws {
        try await withServer { server in
            #expect(try await server.client.get("/_matrix/client/v3/thirdparty/protocols").status == 401)
            let alice = try await server.register("alice")
            let protocols = try await server.client.get("/_matrix/client/v3/thirdparty/protocols", token: alice.accessToken)
            #expect(protocols.status == 200)
            #expect(protocols.json == .object([:]))
            for path in ["protocol/irc", "location/irc?searchFields=x", "user/irc?nick=x"] {
                let response = try await server.client.get("/_matrix/client/v3/thirdparty/\(path)", token: alice.accessToken)
                #expect(response.status == 404, "\(path)")
                #expect(response.errcode == "M_NOT_FOUND", "\(path)")
            }
            let location = try await server.client.get("/_matrix/client/v3/thirdparty/location?alias=%23a%3Alocalhost",
                                                       token: alice.accessToken)
            #expect(location.status == 200)
            #expect(location.json == .array([]))
            let user = try await server.client.get("/_matrix/client/v3/thirdparty/user?userid=%40a%3Alocalhost",
                                                   token: alice.accessToken)
            #expect(user.json == .array([]))
        }
    }

    @Test func applicationServiceEndpointsRefuseUsers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            #expect(try await server.client.post("/_matrix/client/v1/appservice/irc/ping", [:]).status == 401)
            let ping = try await server.client.post("/_matrix/client/v1/appservice/irc/ping", [:], token: alice.accessToken)
            #expect(ping.status == 403)
            #expect(ping.errcode == "M_FORBIDDEN")
            let publish = try await server.client.put(
                "/_matrix/client/v3/directory/list/appservice/irc/\(TestServer.segment(roomId))",
                ["visibility": "public"], token: alice.accessToken)
            #expect(publish.status == 403)
            #expect(publish.errcode == "M_FORBIDDEN")
        }
    }
}
