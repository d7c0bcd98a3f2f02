import Foundation
import MatrixCore
import MyelinFederation
import MyelinStorage
import Testing

/// What another server can send us, signed and not: bad signatures, oversized and malformed
/// transactions, PDUs for senders of other servers, tampered content, huge and deep bodies. Each gets a
/// clear refusal (or is cut to its bound) and nothing stored is lost. Server B plays the sender: its
/// requests are signed with its real key, which A fetches from it over TLS.
@Suite(.serialized) struct FederationBadInputTests {
    struct Setup {
        let a: TestServer
        let b: TestServer
        let alice: TestServer.User
        let bob: TestServer.User
        let roomId: String
    }

    /// A room on A that B's bob has joined over federation.
    func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await FederationTestSupport.withTwoServers { a, b in
            let alice = try await a.register("alice")
            let bob = try await b.register("bob")
            let roomId = try await a.createRoom(alice, ["preset": "public_chat"])
            let joined = try await b.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(a.serverName))",
                [:], token: bob.accessToken)
            try #require(joined.status == 200, "\(joined.json)")
            try await body(Setup(a: a, b: b, alice: alice, bob: bob, roomId: roomId))
        }
    }

    /// A request to A signed as B (or with `key` instead of B's), over A's plain listener.
    func signed(_ setup: Setup, _ method: String, _ path: String, _ body: JSONValue?, key: SigningKey? = nil,
                rawBody: Data? = nil) async throws -> TestResponse {
        let signingKey = try key ?? #require(setup.b.running.homeserver.services.federation?.keys.localKeys.signingKey)
        let auth = try XMatrixAuthorization.sign(
            method: method, uri: path, origin: try ServerName(parsing: setup.b.serverName),
            destination: setup.a.serverName, content: rawBody == nil ? body : nil, key: signingKey)
        return try await setup.a.client.request(method, path, json: rawBody == nil ? body : nil, rawBody: rawBody,
                                                headers: ["Authorization": auth.headerValue])
    }

    /// A message by bob signed by B, citing A's forward extremities and the room's auth events.
    func message(_ setup: Setup, body: String, sender: String? = nil) async throws -> PDU {
        let rooms = setup.a.running.homeserver.services.rooms
        let room = try await rooms.room(setup.roomId)
        let version = try rooms.version(of: room)
        let extremities = try await rooms.store.forwardExtremities(roomNid: room.nid)
        let sender = sender ?? setup.bob.userId
        let tuples = [StateTuple(type: "m.room.create", stateKey: ""), StateTuple(type: "m.room.power_levels", stateKey: ""),
                      StateTuple(type: "m.room.member", stateKey: setup.bob.userId)]
        let state = try await rooms.store.state(snapshot: try #require(room.currentSnapshot), tuples: tuples)
        let auth = tuples.compactMap { tuple -> String? in
            tuple.type == "m.room.create" && !version.createEventInAuthEvents ? nil : state[tuple]
        }
        let draft: JSONObject = [
            "type": "m.room.message", "room_id": .string(setup.roomId), "sender": .string(sender),
            "content": ["msgtype": "m.text", "body": .string(body)],
            "origin_server_ts": .int(Int64(Date().timeIntervalSince1970 * 1000)),
            "depth": .int((extremities.map(\.depth).max() ?? 0) + 1),
            "prev_events": .array(extremities.map { .string($0.eventId) }),
            "auth_events": .array(auth.map(JSONValue.string)),
        ]
        let key = try #require(setup.b.running.homeserver.services.federation?.keys.localKeys.signingKey)
        let server = try ServerName(parsing: setup.b.serverName)
        if sender == setup.bob.userId { return try EventBuilder.build(draft, roomVersion: version, server: server, key: key) }
        // EventBuilder refuses a sender of another server; a misbehaving server would not.
        return try PDU(json: EventSigning.sign(draft, roomVersion: version, as: server, with: key), roomVersion: version)
    }

    func transaction(_ setup: Setup, _ pdus: [JSONObject], edus: Int = 0) -> JSONValue {
        .object([
            "origin": .string(setup.b.serverName), "origin_server_ts": 0,
            "pdus": .array(pdus.map(JSONValue.object)),
            "edus": .array((0..<edus).map { _ in ["edu_type": "m.typing", "content": [:]] }),
        ])
    }

    @Test func transactionsAreCheckedAndBounded() async throws {
        try await withSetup { setup in
            let good = try await message(setup, body: "one")
            // Accepted, and answered per PDU.
            let first = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t1", transaction(setup, [good.json]))
            #expect(first.status == 200, "\(first.json)")
            #expect(first.json["pdus"]?[good.eventId]?.objectValue == [:])
            // A retried transaction gets the same answer and stores nothing twice.
            let again = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t1", transaction(setup, [good.json]))
            #expect(again.status == 200)
            #expect(again.json == first.json)
            #expect(try await setup.a.messageBodies(setup.alice, setup.roomId).filter { $0 == "one" }.count == 1)

            // Over the spec's bounds: 51 PDUs, 101 EDUs.
            let many = Array(repeating: good.json, count: 51)
            let tooMany = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t2", transaction(setup, many))
            #expect(tooMany.status == 400)
            #expect(tooMany.errcode == "M_BAD_JSON")
            let manyEDUs = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t3", transaction(setup, [], edus: 101))
            #expect(manyEDUs.status == 400)

            // A PDU whose sender is not of the origin: refused for that PDU only.
            let foreign = try await message(setup, body: "not mine", sender: "@mallory:elsewhere.example")
            let second = try await message(setup, body: "two")
            let mixed = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t4",
                                         transaction(setup, [foreign.json, second.json]))
            #expect(mixed.status == 200)
            #expect(mixed.json["pdus"]?[foreign.eventId]?["error"]?.stringValue != nil)
            #expect(mixed.json["pdus"]?[second.eventId]?.objectValue == [:])
            #expect(try await setup.a.running.homeserver.services.rooms.store.event(id: foreign.eventId) == nil)

            // Tampered content (the hash no longer matches): kept redacted, as the spec asks.
            let third = try await message(setup, body: "three")
            var tampered = third.json
            tampered["content"] = ["msgtype": "m.text", "body": "changed on the way"]
            let hashed = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t5",
                                          transaction(setup, [tampered]))
            #expect(hashed.status == 200)
            let stored = try await setup.a.client.get(
                setup.a.roomPath(setup.roomId, "event/\(TestServer.segment(third.eventId))"), token: setup.alice.accessToken)
            #expect(stored.status == 200)
            #expect(stored.json["content"]?["body"] == nil, "\(stored.json)")

            // A body claiming another origin than the one that signed.
            var claimed = transaction(setup, []).objectValue ?? [:]
            claimed["origin"] = "elsewhere.example"
            let wrongOrigin = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t6", .object(claimed))
            #expect(wrongOrigin.status == 403)

            // Once the room's server ACL denies B, B's PDUs are refused.
            #expect(try await setup.a.putState(setup.alice, setup.roomId, type: "m.room.server_acl",
                                               ["allow": ["*"], "deny": [.string(ServerACLHost.of(setup.b.serverName))],
                                                "allow_ip_literals": true]).status == 200)
            let denied = try await message(setup, body: "denied")
            let afterACL = try await signed(setup, "PUT", "/_matrix/federation/v1/send/t7", transaction(setup, [denied.json]))
            #expect(afterACL.status == 200)
            #expect(afterACL.json["pdus"]?[denied.eventId]?["error"]?.stringValue?.contains("ACL") == true,
                    "\(afterACL.json)")
            #expect(try await setup.a.running.homeserver.services.rooms.store.event(id: denied.eventId) == nil)

            // Everything earlier is still there.
            let bodies = try await setup.a.messageBodies(setup.alice, setup.roomId)
            #expect(bodies.contains("one") && bodies.contains("two"))
        }
    }

    @Test func signaturesAndBodiesAreChecked() async throws {
        try await withSetup { setup in
            let impostor = try SigningKey(version: "a_1", seed: [UInt8](repeating: 5, count: 32))
            let path = "/_matrix/federation/v1/send/s1"
            let forged = try await signed(setup, "PUT", path, transaction(setup, []), key: impostor)
            #expect(forged.status == 401)
            #expect(forged.errcode == "M_UNAUTHORIZED")
            // Signed for another body than the one sent.
            let signingKey = try #require(setup.b.running.homeserver.services.federation?.keys.localKeys.signingKey)
            let auth = try XMatrixAuthorization.sign(
                method: "PUT", uri: path, origin: try ServerName(parsing: setup.b.serverName),
                destination: setup.a.serverName, content: transaction(setup, []), key: signingKey)
            let swapped = try await setup.a.client.request(
                "PUT", path, json: ["pdus": [], "edus": [], "origin": .string(setup.b.serverName)],
                headers: ["Authorization": auth.headerValue])
            #expect(swapped.status == 401)
            // For another destination.
            let elsewhere = try XMatrixAuthorization.sign(
                method: "GET", uri: "/_matrix/federation/v1/query/directory?room_alias=%23x%3Ay",
                origin: try ServerName(parsing: setup.b.serverName), destination: "elsewhere.example", content: nil,
                key: signingKey)
            let misdirected = try await setup.a.client.request(
                "GET", "/_matrix/federation/v1/query/directory?room_alias=%23x%3Ay",
                headers: ["Authorization": elsewhere.headerValue])
            #expect(misdirected.status == 401)

            // Too large, too deep, not JSON.
            let huge = Data(repeating: UInt8(ascii: " "), count: FederationTestSupport.maxTransactionBytes + 1)
            let large = try await signed(setup, "PUT", "/_matrix/federation/v1/send/s2", nil, rawBody: huge)
            #expect(large.status == 413)
            #expect(large.errcode == "M_TOO_LARGE")
            var deep: JSONValue = [:]
            for _ in 0..<200 { deep = ["x": deep] }
            let deepBody = try await signed(setup, "PUT", "/_matrix/federation/v1/send/s3", nil,
                                            rawBody: Data(CanonicalJSON.encodeLenient(deep)))
            #expect(deepBody.status == 400)
            let notJSON = try await signed(setup, "PUT", "/_matrix/federation/v1/send/s4", nil,
                                           rawBody: Data("{not json".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.errcode == "M_NOT_JSON")
            // The room is as it was.
            #expect(try await setup.a.membership(setup.alice, setup.roomId, of: setup.bob.userId) == "join")
        }
    }
}

/// The host part of a server name, as ACL globs match it.
enum ServerACLHost {
    static func of(_ serverName: String) -> String { ServerACL.hostWithoutPort(serverName) }
}
