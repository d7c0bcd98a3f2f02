import Foundation
import MatrixCore
import Testing

/// `GET /v1/room_summary/{roomIdOrAlias}`: what a room looks like before joining, by ID or alias, to users
/// who could see it in a space hierarchy and, for public rooms, to anyone.
@Suite struct RoomSummaryTests {
    func summary(_ server: TestServer, _ roomIdOrAlias: String, _ user: TestServer.User?,
                 prefix: String = "/_matrix/client/v1/room_summary/") async throws -> TestResponse {
        try await server.client.get(prefix + TestServer.segment(roomIdOrAlias), token: user?.accessToken)
    }

    @Test func aPublicRoomByIdAndAliasWithAndWithoutAToken() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, [
                "preset": "public_chat", "name": "Lounge", "topic": "Tea", "room_alias_name": "lounge",
                "creation_content": ["type": "m.space"],
                "initial_state": [["type": "m.room.encryption", "state_key": "",
                                   "content": ["algorithm": "m.megolm.v1.aes-sha2"]]],
            ])
            let byBob = try await summary(server, roomId, bob)
            #expect(byBob.status == 200)
            #expect(byBob.json["room_id"]?.stringValue == roomId)
            #expect(byBob.json["name"]?.stringValue == "Lounge")
            #expect(byBob.json["topic"]?.stringValue == "Tea")
            #expect(byBob.json["num_joined_members"]?.intValue == 1)
            #expect(byBob.json["join_rule"]?.stringValue == "public")
            #expect(byBob.json["room_type"]?.stringValue == "m.space")
            #expect(byBob.json["room_version"]?.stringValue == "12")
            #expect(byBob.json["encryption"]?.stringValue == "m.megolm.v1.aes-sha2")
            #expect(byBob.json["guest_can_join"]?.boolValue == false)
            #expect(byBob.json["world_readable"]?.boolValue == false)
            #expect(byBob.json["membership"]?.stringValue == "leave")
            let byAlice = try await summary(server, "#lounge:\(server.serverName)", alice)
            #expect(byAlice.json["room_id"]?.stringValue == roomId)
            #expect(byAlice.json["membership"]?.stringValue == "join")
            // Anyone may look at a public room; the answer then has no membership.
            let anonymous = try await summary(server, roomId, nil)
            #expect(anonymous.status == 200)
            #expect(anonymous.json["membership"] == nil)
            #expect(anonymous.json["name"]?.stringValue == "Lounge")
            // MSC3266's unstable paths answer the same.
            let unstable = try await summary(server, roomId, bob,
                                             prefix: "/_matrix/client/unstable/im.nheko.summary/summary/")
            #expect(unstable.json == byBob.json)
            let older = try await server.client.get(
                "/_matrix/client/unstable/im.nheko.summary/rooms/\(TestServer.segment(roomId))/summary",
                token: bob.accessToken)
            #expect(older.json == byBob.json)
        }
    }

    @Test func privateRoomsShowOnlyToTheirMembersAndInvitees() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "private_chat", "name": "Secret"])
            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            let invited = try await summary(server, roomId, bob)
            #expect(invited.status == 200)
            #expect(invited.json["membership"]?.stringValue == "invite")
            #expect(invited.json["join_rule"]?.stringValue == "invite")
            for user in [carol, nil] {
                let refused = try await summary(server, roomId, user)
                #expect(refused.status == 404)
                #expect(refused.errcode == "M_NOT_FOUND")
            }
        }
    }

    @Test func unknownRoomsAndAliasesAreNotFound() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            for target in ["!nothing:localhost", "#nothing:localhost"] {
                let response = try await summary(server, target, alice)
                #expect(response.status == 404, "\(target)")
                #expect(response.errcode == "M_NOT_FOUND", "\(target)")
            }
            let malformed = try await summary(server, "lounge", alice)
            #expect(malformed.status == 400)
        }
    }
}
