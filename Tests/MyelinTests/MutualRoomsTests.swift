import Foundation
import MatrixCore
import Testing

/// `GET /v1/mutual_rooms`: the rooms two users are both joined to, nothing for strangers, and the spec's
/// refusals for a missing, malformed or own user ID and for a token this server never issued.
@Suite struct MutualRoomsTests {
    func mutual(_ server: TestServer, _ user: TestServer.User, _ query: String) async throws -> TestResponse {
        try await server.client.get("/_matrix/client/v1/mutual_rooms\(query)", token: user.accessToken)
    }

    @Test func roomsBothAreJoinedTo() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let shared = try await server.createRoom(alice, ["preset": "public_chat"])
            _ = try await server.createRoom(alice)
            let invitedOnly = try await server.createRoom(alice)
            #expect(try await server.join(bob, shared).status == 200)
            #expect(try await server.invite(alice, invitedOnly, bob.userId).status == 200)
            let query = "?user_id=\(TestServer.segment(bob.userId))"
            let response = try await mutual(server, alice, query)
            #expect(response.status == 200)
            #expect(response.json["joined"]?.arrayValue?.compactMap(\.stringValue) == [shared])
            #expect(response.json["count"]?.intValue == 1)
            #expect(response.json["next_batch"] == nil)
            // Under unstable too, as Synapse serves it.
            let unstable = try await server.client.get("/_matrix/client/unstable/mutual_rooms\(query)",
                                                       token: alice.accessToken)
            #expect(unstable.json == response.json)
            let stranger = try await mutual(server, alice, "?user_id=%40nobody%3Alocalhost")
            #expect(stranger.status == 200)
            #expect(stranger.json["joined"] == .array([]))
            #expect(stranger.json["count"]?.intValue == 0)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            #expect(try await server.client.get("/_matrix/client/v1/mutual_rooms?user_id=%40b%3Alocalhost").status == 401)
            let missing = try await mutual(server, alice, "")
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            for query in ["?user_id=bob", "?user_id=\(TestServer.segment(alice.userId))",
                          "?user_id=%40b%3Alocalhost&from=abc"] {
                let response = try await mutual(server, alice, query)
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(query)")
            }
        }
    }
}
