import Foundation
import GRDB
import MatrixCore
import Testing

@Suite struct RoomRedactionTests {
    func redact(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ eventId: String,
                txnId: String = UUID().uuidString, reason: String? = nil) async throws -> TestResponse {
        var body: JSONObject = [:]
        if let reason { body["reason"] = .string(reason) }
        return try await server.client.put(
            server.roomPath(roomId, "redact/\(TestServer.segment(eventId))/\(TestServer.segment(txnId))"), .object(body),
            token: user.accessToken)
    }

    func event(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ eventId: String) async throws
        -> TestResponse
    {
        try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(eventId))"), token: user.accessToken)
    }

    @Test(arguments: ["6", "11", "12"])
    func redactedContentIsNeverServedAndIsErasedLater(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "room_version": .string(version)])
            #expect(try await server.join(bob, roomId).status == 200)
            let secret = try await server.sendOK(bob, roomId, "my secret")
            let redaction = try await redact(server, bob, roomId, secret, txnId: "r1", reason: "oops")
            #expect(redaction.status == 200)
            let redactionId = try #require(redaction.json["event_id"]?.stringValue)
            // Idempotent per transaction ID.
            #expect(try await redact(server, bob, roomId, secret, txnId: "r1").json["event_id"]?.stringValue == redactionId)

            for viewer in [alice, bob] {
                let served = try await event(server, viewer, roomId, secret)
                #expect(served.status == 200)
                #expect(served.json["content"] == .object([:]))
                #expect(served.json["unsigned"]?["redacted_because"]?["event_id"]?.stringValue == redactionId)
                #expect(served.json["unsigned"]?["redacted_because"]?["content"]?["reason"] == "oops")
            }
            let redactionEvent = try await event(server, alice, roomId, redactionId)
            #expect(redactionEvent.json["redacts"]?.stringValue == secret)

            // Stored content stays until the retention delay has passed, then is erased.
            let database = server.running.homeserver.database
            func storedJSON() async throws -> String {
                try await database.read { db in
                    let data = try Data.fetchOne(db, sql: """
                        SELECT json FROM events e JOIN event_ids i ON i.event_nid = e.event_nid WHERE i.event_id = ?
                        """, arguments: [secret]) ?? Data()
                    return String(decoding: data, as: UTF8.self)
                }
            }
            let rooms = server.running.homeserver.services.rooms
            #expect(try await rooms.pruneRedactedContent() == 0)
            #expect(try await storedJSON().contains("my secret"))
            server.clock.advance(ms: rooms.settings.redactionRetentionMs + 1)
            #expect(try await rooms.pruneRedactedContent() == 1)
            #expect(!(try await storedJSON().contains("my secret")))
            let after = try await event(server, alice, roomId, secret)
            #expect(after.status == 200)
            #expect(after.json["content"] == .object([:]))
        }
    }

    /// Spec v1.18: `m.room.redaction` through `PUT /send` in every room version, `redacts` moved to the
    /// top level before version 11, and the same checks as `PUT /redact`.
    @Test(arguments: ["6", "11", "12"])
    func redactionsThroughSend(version: String) async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "room_version": .string(version)])
            #expect(try await server.join(bob, roomId).status == 200)
            let secret = try await server.sendOK(bob, roomId, "my secret")
            let sent = try await server.send(bob, roomId, type: "m.room.redaction",
                                             ["redacts": .string(secret), "reason": "oops"], txnId: "s1")
            #expect(sent.status == 200)
            let redactionId = try #require(sent.json["event_id"]?.stringValue)
            let target = try await event(server, alice, roomId, secret)
            #expect(target.json["content"] == .object([:]))
            #expect(target.json["unsigned"]?["redacted_because"]?["event_id"]?.stringValue == redactionId)
            let redaction = try await event(server, alice, roomId, redactionId)
            #expect(redaction.json["content"]?["reason"]?.stringValue == "oops")
            // Clients of every version read `redacts` at the top; from version 11 it is in the content too.
            #expect(redaction.json["redacts"]?.stringValue == secret)
            #expect((redaction.json["content"]?["redacts"]?.stringValue == secret) == (version != "6"))

            let other = try await server.sendOK(alice, roomId, "alice's")
            let forbidden = try await server.send(bob, roomId, type: "m.room.redaction", ["redacts": .string(other)])
            #expect(forbidden.status == 403)
            let noTarget = try await server.send(bob, roomId, type: "m.room.redaction", ["reason": "what"])
            #expect(noTarget.status == 400)
            #expect(noTarget.errcode == "M_BAD_JSON")
            let unknown = try await server.send(bob, roomId, type: "m.room.redaction", ["redacts": "$nothing"])
            #expect(unknown.status == 404)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            #expect(try await server.join(bob, roomId).status == 200)
            let alicesMessage = try await server.sendOK(alice, roomId, "alice speaks")
            let bobsMessage = try await server.sendOK(bob, roomId, "bob speaks")
            // Bob (power 0) cannot redact Alice's event.
            let refused = try await redact(server, bob, roomId, alicesMessage)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
            // Carol is not in the room.
            let outsider = try await redact(server, carol, roomId, bobsMessage)
            #expect(outsider.status == 403)
            // Unknown event.
            let unknown = try await redact(server, alice, roomId, "$nope")
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            // Alice (power 100) may redact Bob's event.
            #expect(try await redact(server, alice, roomId, bobsMessage).status == 200)
            // A reason that is not a string.
            let badReason = try await server.client.put(
                server.roomPath(roomId, "redact/\(TestServer.segment(alicesMessage))/x9"), ["reason": 5],
                token: alice.accessToken)
            #expect(badReason.status == 400)
        }
    }
}
