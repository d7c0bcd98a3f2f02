import Foundation
import MatrixCore
import Testing

/// Deactivation with `erase` (spec v1.10): the user's events are served redacted to those who join later,
/// unredacted to those already there, and their account data and profile go.
@Suite struct AccountErasureTests {
    func deactivate(_ server: TestServer, _ user: TestServer.User, erase: Bool) async throws {
        let response = try await server.client.post("/_matrix/client/v3/account/deactivate", [
            "erase": .bool(erase),
            "auth": ["type": "m.login.password", "password": .string(TestServer.password),
                     "identifier": ["type": "m.id.user", "user": .string(user.localpart)]],
        ], token: user.accessToken)
        #expect(response.status == 200)
    }

    /// The body of `eventId` as `viewer` gets it from /event, /messages and an initial /sync.
    func bodies(_ server: TestServer, _ viewer: TestServer.User, _ roomId: String, _ eventId: String) async throws
        -> [String?]
    {
        let event = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(eventId))"),
                                                token: viewer.accessToken)
        let messages = try await server.messages(viewer, roomId, "dir=b&limit=50")
        let fromMessages = messages.json["chunk"]?.arrayValue?.first { $0["event_id"]?.stringValue == eventId }
        let sync = try await server.client.get("/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A50%7D%7D%7D",
                                               token: viewer.accessToken)
        let timeline = sync.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue
        let fromSync = timeline?.first { $0["event_id"]?.stringValue == eventId }
        #expect(event.status == 200)
        #expect(fromMessages != nil)
        #expect(fromSync != nil)
        return [event.json["content"]?["body"]?.stringValue, fromMessages?["content"]?["body"]?.stringValue,
                fromSync?["content"]?["body"]?.stringValue]
    }

    @Test func laterJoinersGetRedactedCopies() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(bob, ["preset": "public_chat"])
            #expect(try await server.join(alice, roomId).status == 200)
            let eventId = try await server.sendOK(alice, roomId, "something to forget")
            _ = try await server.client.put("/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/m.x",
                                            ["v": 1], token: alice.accessToken)
            try await deactivate(server, alice, erase: true)

            // Bob was there before the erasure: he keeps what he saw.
            #expect(try await bodies(server, bob, roomId, eventId) == ["something to forget", "something to forget",
                                                                     "something to forget"])
            // Carol comes after it: redacted copies everywhere.
            #expect(try await server.join(carol, roomId).status == 200)
            #expect(try await bodies(server, carol, roomId, eventId) == [nil, nil, nil])
            let event = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(eventId))"),
                                                    token: carol.accessToken)
            #expect(event.json["content"] == .object([:]))
            #expect(event.json["sender"]?.stringValue == alice.userId)
            // The account data went with the account.
            let userNid = try #require(try await server.running.homeserver.services.accounts.users
                .user(localpart: "alice")?.nid)
            #expect(try await server.running.homeserver.services.accounts.accountData.all(userNid: userNid).isEmpty)
        }
    }

    @Test func withoutEraseLaterJoinersStillSeeTheEvents() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(bob, ["preset": "public_chat"])
            #expect(try await server.join(alice, roomId).status == 200)
            let eventId = try await server.sendOK(alice, roomId, "still here")
            try await deactivate(server, alice, erase: false)
            #expect(try await server.join(carol, roomId).status == 200)
            #expect(try await bodies(server, carol, roomId, eventId) == ["still here", "still here", "still here"])
        }
    }
}
