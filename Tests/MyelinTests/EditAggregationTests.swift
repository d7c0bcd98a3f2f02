import Foundation
import MatrixCore
import Testing

/// Edits and references bundled in `unsigned.m.relations` wherever events are served: `/event`,
/// `/messages`, `/context` and `/sync`.
@Suite struct EditAggregationTests {
    func edit(_ server: TestServer, _ user: TestServer.User, _ roomId: String, of target: String, _ body: String,
              type: String = "m.room.message") async throws -> String {
        let response = try await server.send(user, roomId, type: type, [
            "msgtype": "m.text", "body": .string("* \(body)"),
            "m.new_content": ["msgtype": "m.text", "body": .string(body)],
            "m.relates_to": ["rel_type": "m.replace", "event_id": .string(target)],
        ])
        return try #require(response.json["event_id"]?.stringValue, "\(response.json)")
    }

    func relations(_ event: JSONValue?) -> JSONObject? { event?["unsigned"]?["m.relations"]?.objectValue }

    @Test func theLatestValidEditAndTheReferencesAreBundledEverywhere() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            #expect(try await server.join(bob, roomId).status == 200)
            let original = try await server.sendOK(alice, roomId, "first try")
            _ = try await edit(server, alice, roomId, of: original, "second try")
            let latest = try await edit(server, alice, roomId, of: original, "third try")
            // Not valid: another sender, another type.
            _ = try await edit(server, bob, roomId, of: original, "bob's rewrite")
            _ = try await edit(server, alice, roomId, of: original, "as a notice", type: "m.custom.event")
            let reference = try await server.send(bob, roomId, type: "m.custom.answer", [
                "m.relates_to": ["rel_type": "m.reference", "event_id": .string(original)],
            ])
            let referenceId = try #require(reference.json["event_id"]?.stringValue)

            func check(_ served: JSONValue?, _ where: String) {
                let bundled = relations(served)
                #expect(bundled?["m.replace"]?["event_id"]?.stringValue == latest, "\(`where`): \(String(describing: bundled))")
                #expect(bundled?["m.replace"]?["content"]?["m.new_content"]?["body"]?.stringValue == "third try", "\(`where`)")
                #expect(bundled?["m.reference"]?["chunk"]?.arrayValue == [["event_id": .string(referenceId)]], "\(`where`)")
            }
            let event = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(original))"),
                                                    token: bob.accessToken)
            check(event.json, "/event")
            let messages = try await server.client.get(server.roomPath(roomId, "messages?dir=b&limit=50"),
                                                       token: bob.accessToken)
            check(messages.json["chunk"]?.arrayValue?.first { $0["event_id"]?.stringValue == original }, "/messages")
            let context = try await server.client.get(
                server.roomPath(roomId, "context/\(TestServer.segment(original))?limit=2"), token: bob.accessToken)
            check(context.json["event"], "/context")
            let sync = try await server.client.get(
                "/_matrix/client/v3/sync?filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A50%7D%7D%7D",
                token: bob.accessToken)
            let timeline = sync.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue ?? []
            check(timeline.first { $0["event_id"]?.stringValue == original }, "/sync")

            // Redacting the latest edit brings back the one before it.
            let redacted = try await server.client.put(
                server.roomPath(roomId, "redact/\(TestServer.segment(latest))/r1"), [:], token: alice.accessToken)
            #expect(redacted.status == 200)
            let after = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(original))"),
                                                    token: bob.accessToken)
            #expect(relations(after.json)?["m.replace"]?["content"]?["m.new_content"]?["body"]?.stringValue == "second try")
        }
    }
}
