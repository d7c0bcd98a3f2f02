import Foundation
import MatrixCore
import Testing

/// `/relations`, `/threads` and `/timestamp_to_event` through the real endpoints.
@Suite struct RoomRelationsTests {
    private static func relation(_ relType: String, _ eventId: String, body: String) -> JSONObject {
        ["msgtype": "m.text", "body": .string(body),
         "m.relates_to": ["rel_type": .string(relType), "event_id": .string(eventId)]]
    }

    @Test func relationsByTypeEventTypeAndRecursion() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            let root = try await server.sendOK(alice, roomId, "root")
            let reaction = try await server.sendEventOK(alice, roomId, type: "m.reaction", [
                "m.relates_to": ["rel_type": "m.annotation", "event_id": .string(root), "key": "👍"]])
            let reply = try await server.sendEventOK(alice, roomId, Self.relation("m.thread", root, body: "t1"))
            let level2 = try await server.sendEventOK(alice, roomId, Self.relation("m.reference", reply, body: "x2"))
            let level3 = try await server.sendEventOK(alice, roomId, Self.relation("m.reference", level2, body: "x3"))
            let level4 = try await server.sendEventOK(alice, roomId, Self.relation("m.reference", level3, body: "x4"))
            _ = try await server.sendOK(alice, roomId, "unrelated")
            let base = server.roomPathV1(roomId, "relations/\(TestServer.segment(root))")

            let all = try await server.client.get(base, token: alice.accessToken)
            #expect(all.status == 200)
            #expect(all.json.eventIds() == [reply, reaction])
            #expect(all.json["next_batch"] == nil)
            #expect(all.json["prev_batch"] == nil)
            #expect(all.json["recursion_depth"] == nil)
            let threads = try await server.client.get(base + "/m.thread", token: alice.accessToken)
            #expect(threads.json.eventIds() == [reply])
            let reactions = try await server.client.get(base + "/m.annotation/m.reaction", token: alice.accessToken)
            #expect(reactions.json.eventIds() == [reaction])
            let wrongType = try await server.client.get(base + "/m.annotation/m.room.message", token: alice.accessToken)
            #expect(wrongType.status == 200)
            #expect(wrongType.json.eventIds().isEmpty)
            let forwards = try await server.client.get(base + "?dir=f", token: alice.accessToken)
            #expect(forwards.json.eventIds() == [reaction, reply])

            // Recursion follows three levels of relations, whatever their types, and says so.
            let recursive = try await server.client.get(base + "?recurse=true", token: alice.accessToken)
            #expect(recursive.json.eventIds() == [level3, level2, reply, reaction])
            #expect(!recursive.json.eventIds().contains(level4))
            #expect(recursive.json["recursion_depth"]?.intValue == 3)
            let notRecursive = try await server.client.get(base + "?recurse=false", token: alice.accessToken)
            #expect(notRecursive.json.eventIds() == [reply, reaction])
            #expect(notRecursive.json["recursion_depth"]?.intValue == 1)
            // The rel type applies at every level.
            let references = try await server.client.get(
                server.roomPathV1(roomId, "relations/\(TestServer.segment(reply))/m.reference?recurse=true"),
                token: alice.accessToken)
            #expect(references.json.eventIds() == [level4, level3, level2])

            // Pages of one.
            let first = try await server.client.get(base + "?limit=1", token: alice.accessToken)
            #expect(first.json.eventIds() == [reply])
            let next = try #require(first.json["next_batch"]?.stringValue)
            let second = try await server.client.get(base + "?limit=1&from=\(next)", token: alice.accessToken)
            #expect(second.json.eventIds() == [reaction])
            #expect(second.json["prev_batch"]?.stringValue == next)
            if let more = second.json["next_batch"]?.stringValue {
                let third = try await server.client.get(base + "?limit=1&from=\(more)", token: alice.accessToken)
                #expect(third.json.eventIds().isEmpty)
                #expect(third.json["next_batch"] == nil)
            }
            // `to` stops the walk: forwards from the start up to the first page's token.
            let bounded = try await server.client.get(base + "?dir=f&to=\(next)", token: alice.accessToken)
            #expect(bounded.json.eventIds() == [reaction])

            // A redacted relation no longer counts.
            let redact = try await server.client.put(
                server.roomPath(roomId, "redact/\(TestServer.segment(reaction))/r1"), [:], token: alice.accessToken)
            #expect(redact.status == 200)
            let afterRedaction = try await server.client.get(base, token: alice.accessToken)
            #expect(afterRedaction.json.eventIds() == [reply])

            // Refusals.
            let unknown = try await server.client.get(server.roomPathV1(roomId, "relations/%24nope"),
                                                      token: alice.accessToken)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            let stranger = try await server.client.get(base, token: bob.accessToken)
            #expect(stranger.status == 403)
            #expect(stranger.errcode == "M_FORBIDDEN")
            for query in ["dir=up", "recurse=yes", "limit=-2", "from=zzz"] {
                let bad = try await server.client.get(base + "?\(query)", token: alice.accessToken)
                #expect(bad.status == 400, "\(query)")
                #expect(bad.errcode == "M_INVALID_PARAM", "\(query)")
            }
        }
    }

    @Test func threadsListAndSummaries() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let rootA = try await server.sendOK(alice, roomId, "A")
            let rootB = try await server.sendOK(alice, roomId, "B")
            let rootC = try await server.sendOK(bob, roomId, "C")
            _ = try await server.sendEventOK(bob, roomId, Self.relation("m.thread", rootA, body: "a1"))
            _ = try await server.sendEventOK(bob, roomId, Self.relation("m.thread", rootC, body: "c1"))
            let latestB = try await server.sendEventOK(alice, roomId, Self.relation("m.thread", rootB, body: "b1"))
            let latestA = try await server.sendEventOK(bob, roomId, Self.relation("m.thread", rootA, body: "a2"))
            let path = server.roomPathV1(roomId, "threads")

            let all = try await server.client.get(path, token: alice.accessToken)
            #expect(all.status == 200)
            #expect(all.json.eventIds() == [rootA, rootB, rootC])
            #expect(all.json["next_batch"] == nil)
            let threadA = all.json.events().first?["unsigned"]?["m.relations"]?["m.thread"]
            #expect(threadA?["count"]?.intValue == 2)
            #expect(threadA?["latest_event"]?["event_id"]?.stringValue == latestA)
            #expect(threadA?["current_user_participated"]?.boolValue == true)  // Alice sent the root
            let threadC = all.json.events().last?["unsigned"]?["m.relations"]?["m.thread"]
            #expect(threadC?["current_user_participated"]?.boolValue == false)

            let participated = try await server.client.get(path + "?include=participated", token: alice.accessToken)
            #expect(participated.json.eventIds() == [rootA, rootB])
            let bobs = try await server.client.get(path + "?include=participated", token: bob.accessToken)
            #expect(bobs.json.eventIds() == [rootA, rootC])

            // Pages of one.
            var seen: [String] = []
            var from: String? = nil
            for _ in 0..<5 {
                let page = try await server.client.get(path + "?limit=1" + (from.map { "&from=\($0)" } ?? ""),
                                                       token: alice.accessToken)
                seen += page.json.eventIds()
                guard let next = page.json["next_batch"]?.stringValue else { break }
                from = next
            }
            #expect(seen == [rootA, rootB, rootC])

            // The summary is bundled wherever the root is served.
            let event = try await server.client.get(server.roomPath(roomId, "event/\(TestServer.segment(rootB))"),
                                                    token: bob.accessToken)
            let summary = event.json["unsigned"]?["m.relations"]?["m.thread"]
            #expect(summary?["latest_event"]?["event_id"]?.stringValue == latestB)
            #expect(summary?["count"]?.intValue == 1)
            #expect(summary?["current_user_participated"]?.boolValue == false)
            let page = try await server.messages(alice, roomId, "dir=b&limit=20")
            let servedA = page.json.events().first { $0["event_id"]?.stringValue == rootA }
            #expect(servedA?["unsigned"]?["m.relations"]?["m.thread"]?["count"]?.intValue == 2)

            for query in ["include=mine", "limit=0", "from=%%"] {
                let bad = try await server.client.get(path + "?\(query)", token: alice.accessToken)
                #expect(bad.status == 400, "\(query)")
            }
            let stranger = try await server.register("carol")
            let refused = try await server.client.get(path, token: stranger.accessToken)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
        }
    }

    @Test func threadsOfOneUser() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let root = try await server.sendOK(alice, roomId, "root")
            let reply = try await server.sendEventOK(alice, roomId, Self.relation("m.thread", root, body: "r"))
            let response = try await server.client.get(server.roomPathV1(roomId, "threads?include=participated"),
                                                       token: alice.accessToken)
            #expect(response.json.eventIds() == [root])
            let summary = response.json.events().first?["unsigned"]?["m.relations"]?["m.thread"]
            #expect(summary?["latest_event"]?["event_id"]?.stringValue == reply)
            #expect(summary?["count"]?.intValue == 1)
            #expect(summary?["current_user_participated"]?.boolValue == true)
        }
    }

    @Test func timestampToEvent() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            server.clock.advance(ms: 1000)
            let first = try await server.sendOK(alice, roomId, "first")
            server.clock.advance(ms: 1000)
            let second = try await server.sendOK(alice, roomId, "second")
            server.clock.advance(ms: 1000)
            let third = try await server.sendOK(alice, roomId, "third")
            let secondEvent = try await server.client.get(
                server.roomPath(roomId, "event/\(TestServer.segment(second))"), token: alice.accessToken)
            let ts = try #require(secondEvent.json["origin_server_ts"]?.intValue)

            func lookup(_ query: String, _ user: TestServer.User) async throws -> TestResponse {
                try await server.client.get(server.roomPathV1(roomId, "timestamp_to_event?\(query)"),
                                            token: user.accessToken)
            }
            let exact = try await lookup("ts=\(ts)&dir=f", alice)
            #expect(exact.status == 200)
            #expect(exact.json["event_id"]?.stringValue == second)
            #expect(exact.json["origin_server_ts"]?.intValue == ts)
            #expect(try await lookup("ts=\(ts + 1)&dir=f", alice).json["event_id"]?.stringValue == third)
            #expect(try await lookup("ts=\(ts + 1)&dir=b", alice).json["event_id"]?.stringValue == second)
            #expect(try await lookup("ts=\(ts - 1)&dir=b", alice).json["event_id"]?.stringValue == first)
            let future = try await lookup("ts=\(ts + 1_000_000)&dir=f", alice)
            #expect(future.status == 404)
            #expect(future.errcode == "M_NOT_FOUND")
            let past = try await lookup("ts=1&dir=b", alice)
            #expect(past.status == 404)
            #expect(past.errcode == "M_NOT_FOUND")

            let missingTs = try await lookup("dir=f", alice)
            #expect(missingTs.status == 400)
            #expect(missingTs.errcode == "M_MISSING_PARAM")
            let missingDir = try await lookup("ts=\(ts)", alice)
            #expect(missingDir.status == 400)
            #expect(missingDir.errcode == "M_MISSING_PARAM")
            for query in ["ts=soon&dir=f", "ts=\(ts)&dir=sideways"] {
                let bad = try await lookup(query, alice)
                #expect(bad.status == 400, "\(query)")
                #expect(bad.errcode == "M_INVALID_PARAM", "\(query)")
            }
            let stranger = try await lookup("ts=\(ts)&dir=f", bob)
            #expect(stranger.status == 403)
            #expect(stranger.errcode == "M_FORBIDDEN")
        }
    }
}
