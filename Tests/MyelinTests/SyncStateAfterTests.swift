import Foundation
import MatrixCore
import Testing

/// `/sync?use_state_after=true` (spec v1.16): `state_after` holds the state up to the end of the timeline
/// and `state` is left out.
@Suite struct SyncStateAfterTests {
    func sync(_ server: TestServer, _ user: TestServer.User, since: String? = nil, limit: Int = 10,
              extra: String = "use_state_after=true") async throws -> TestResponse {
        var query = ["timeout=0", extra, TestServer.filterQuery(["room": ["timeline": ["limit": .int(Int64(limit))]]])]
        if let since { query.append("since=\(TestServer.queryValue(since))") }
        return try await server.client.get("/_matrix/client/v3/sync?" + query.joined(separator: "&"), token: user.accessToken)
    }

    func stateKeys(_ room: JSONValue?, _ section: String) -> Set<String> {
        Set((room?[section]?["events"]?.arrayValue ?? []).compactMap { event in
            guard let type = event["type"]?.stringValue, let key = event["state_key"]?.stringValue else { return nil }
            return "\(type)|\(key)"
        })
    }

    @Test func stateAfterCoversTheWholeTimelineAndReplacesState() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["name": "Before", "preset": "public_chat"])
            // Initial: the whole state at the timeline's end, the timeline's own state events included.
            let initial = try await sync(server, alice, limit: 2)
            let room = try #require(initial.json["rooms"]?["join"]?[roomId])
            #expect(room["state"] == nil)
            let keys = stateKeys(room, "state_after")
            #expect(keys.isSuperset(of: ["m.room.create|", "m.room.name|", "m.room.member|\(alice.userId)",
                                         "m.room.join_rules|"]))
            let since = try #require(initial.json["next_batch"]?.stringValue)
            // Incremental, gapless: the state events of the timeline are in state_after too.
            try await server.joinOK(bob, roomId)
            _ = try await server.putState(alice, roomId, type: "m.room.name", ["name": "After"])
            _ = try await server.sendOK(bob, roomId, "hi")
            let next = try await sync(server, alice, since: since)
            let changed = try #require(next.json["rooms"]?["join"]?[roomId])
            #expect(changed["timeline"]?["limited"] == false)
            #expect(changed["state"] == nil)
            #expect(stateKeys(changed, "state_after") == ["m.room.member|\(bob.userId)", "m.room.name|"])
            let name = (changed["state_after"]?["events"]?.arrayValue ?? []).first { $0["type"] == "m.room.name" }
            #expect(name?["content"]?["name"] == "After")
            // Without the flag, nothing changes for older clients.
            let legacy = try await sync(server, alice, since: since, extra: "use_state_after=false")
            let old = try #require(legacy.json["rooms"]?["join"]?[roomId])
            #expect(old["state_after"] == nil)
            #expect(old["state"]?["events"] == [])
        }
    }

    @Test func aGappySyncStillEndsAtTheTimelinesEnd() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            let since = try #require(try await sync(server, alice).json["next_batch"]?.stringValue)
            _ = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "early"])
            for i in 1...4 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            _ = try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "late"])
            let next = try await sync(server, alice, since: since, limit: 2)
            let room = try #require(next.json["rooms"]?["join"]?[roomId])
            #expect(room["timeline"]?["limited"] == true)
            let topics = (room["state_after"]?["events"]?.arrayValue ?? []).filter { $0["type"] == "m.room.topic" }
            #expect(topics.count == 1)
            #expect(topics.first?["content"]?["topic"] == "late")
        }
    }

    @Test func aBadValueIsRefused() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let response = try await server.client.get("/_matrix/client/v3/sync?use_state_after=yes", token: alice.accessToken)
            #expect(response.status == 400)
            #expect(response.errcode == "M_INVALID_PARAM")
        }
    }
}
