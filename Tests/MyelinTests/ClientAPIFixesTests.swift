import Foundation
import MatrixCore
import MyelinTestSupport
import Testing

/// Issue 15's small client API fixes, each through HTTP.
@Suite struct ClientAPIFixesTests {
    @Test func messagesPagesBackFromSyncAndSlidingSyncPositions() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            for i in 1...3 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            let sync = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let nextBatch = try #require(sync.json["next_batch"]?.stringValue)
            let sliding = try await server.slidingSync(alice, ["lists": ["all": TestServer.slidingList()]])
            let pos = try #require(sliding.json["pos"]?.stringValue)
            for token in [nextBatch, pos] {
                let page = try await server.client.get(
                    server.roomPath(roomId, "messages?dir=b&limit=2&from=\(TestServer.queryValue(token))"),
                    token: alice.accessToken)
                #expect(page.status == 200, "\(token): \(page.json)")
                let bodies = (page.json["chunk"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
                #expect(bodies == ["m3", "m2"], "\(token)")
            }
            // Still refused: tokens this server never wrote.
            for token in ["s1_x", "s_1", "x12", "3/y"] {
                let bad = try await server.client.get(
                    server.roomPath(roomId, "messages?dir=b&from=\(TestServer.queryValue(token))"), token: alice.accessToken)
                #expect(bad.status == 400, "\(token)")
            }
        }
    }

    @Test func kickingSomeoneNotInTheRoomIsRefused() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            #expect(try await server.kick(alice, roomId, bob.userId).status == 200)
            let again = try await server.kick(alice, roomId, bob.userId)
            #expect(again.status == 403)
            #expect(again.errcode == "M_FORBIDDEN")
            let carol = try await server.register("carol")
            #expect(try await server.kick(alice, roomId, carol.userId).status == 403)
        }
    }

    @Test func aPlusInTheQueryIsASpace() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            _ = try await server.sendOK(alice, roomId, "one")
            // A filter sent as a form encodes it: spaces as "+", a literal plus as %2B. Kept as "+", the
            // spaces would break the JSON (400); decoded, the filter applies and the sender keeps its plus.
            let query = #"{"types":+["m.room.message"],+"not_senders":+["@a%2Bb:y"]}"#
                .replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D")
                .replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "[", with: "%5B")
                .replacingOccurrences(of: "]", with: "%5D").replacingOccurrences(of: ":", with: "%3A")
                .replacingOccurrences(of: ",", with: "%2C").replacingOccurrences(of: "@", with: "%40")
            let page = try await server.client.get(server.roomPath(roomId, "messages?dir=b&filter=\(query)"),
                                                   token: alice.accessToken)
            #expect(page.status == 200, "\(page.json)")
            let types = (page.json["chunk"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }
            #expect(types == ["m.room.message"])
        }
    }

    @Test func aBodyCutShortIsAnsweredWithoutA500() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let port = try #require(URL(string: server.client.baseURL)?.port)
            let client = try RawTCPClient(port: port)
            try client.send("POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: Bearer \(alice.accessToken)\r\nContent-Type: image/png\r\n"
                            + "Content-Length: 1000000\r\n\r\n" + String(repeating: "x", count: 10_000))
            client.finishSending()
            let answer = await client.readUntilClosed().text
            #expect(!answer.contains(" 500 "), "\(answer.prefix(200))")
            client.close()
            // The server carries on.
            #expect(try await server.client.get("/_matrix/client/versions").status == 200)
        }
    }

    @Test func thirdPartyInvitesAreRefusedNotDropped() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let invite3pid: JSONValue = [["id_server": "id.example.org", "id_access_token": "t", "medium": "email",
                                          "address": "bob@example.org"]]
            let created = try await server.client.post("/_matrix/client/v3/createRoom", ["invite_3pid": invite3pid],
                                                       token: alice.accessToken)
            #expect(created.status == 403)
            #expect(created.errcode == "M_FORBIDDEN")
            #expect(try await server.joinedRooms(alice).isEmpty)
            let roomId = try await server.createRoom(alice)
            let invited = try await server.client.post(server.roomPath(roomId, "invite"), [
                "id_server": "id.example.org", "id_access_token": "t", "medium": "email", "address": "bob@example.org",
            ], token: alice.accessToken)
            #expect(invited.status == 403)
            #expect(invited.errcode == "M_FORBIDDEN")
        }
    }
}
