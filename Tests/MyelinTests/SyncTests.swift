import Foundation
import MatrixCore
import Testing

/// `/sync` through HTTP: initial and incremental syncs, long-polling, gaps, memberships, account data.
@Suite struct SyncTests {
    func sync(_ server: TestServer, _ user: TestServer.User, since: String? = nil, timeout: Int = 0,
              filter: JSONObject? = nil, fullState: Bool = false) async throws -> TestResponse {
        var query = ["timeout=\(timeout)"]
        if let since { query.append("since=\(TestServer.queryValue(since))") }
        if let filter { query.append(TestServer.filterQuery(filter)) }
        if fullState { query.append("full_state=true") }
        return try await server.client.get("/_matrix/client/v3/sync?" + query.joined(separator: "&"),
                                           token: user.accessToken)
    }

    func bodies(_ events: JSONValue?) -> [String] {
        (events?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
    }

    @Test func initialSyncHasTimelineStateAndSummary() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Tea"])
            try await server.joinOK(bob, roomId)
            for i in 1...3 { _ = try await server.sendOK(alice, roomId, "m\(i)") }
            let response = try await sync(server, bob, filter: ["room": ["timeline": ["limit": 3]]])
            #expect(response.status == 200)
            #expect(response.json["next_batch"]?.stringValue?.hasPrefix("s") == true)
            let room = try #require(response.json["rooms"]?["join"]?[roomId])
            #expect(bodies(room["timeline"]?["events"]) == ["m1", "m2", "m3"])
            let timelineIds = Set((room["timeline"]?["events"]?.arrayValue ?? []).compactMap { $0["event_id"]?.stringValue })
            let state = room["state"]?["events"]?.arrayValue ?? []
            #expect(state.contains { $0["type"] == "m.room.create" })
            #expect(state.contains { $0["type"] == "m.room.name" })
            #expect(!state.contains { timelineIds.contains($0["event_id"]?.stringValue ?? "") })
            #expect(room["summary"]?["m.joined_member_count"] == 2)
            #expect(room["summary"]?["m.heroes"] == [.string(alice.userId)])
            #expect(room["timeline"]?["prev_batch"]?.stringValue != nil)
        }
    }

    @Test func incrementalSyncReturnsOnlyWhatChanged() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let first = try await sync(server, alice)
            let token = try #require(first.json["next_batch"]?.stringValue)
            // Nothing new: an empty answer with a usable token.
            let idle = try await sync(server, alice, since: token)
            #expect(idle.json["rooms"]?["join"] == .object([:]))
            _ = try await server.sendOK(alice, roomId, "new")
            let next = try await sync(server, alice, since: token)
            let room = try #require(next.json["rooms"]?["join"]?[roomId])
            #expect(bodies(room["timeline"]?["events"]) == ["new"])
            #expect(room["timeline"]?["limited"] == false)
            #expect(room["state"]?["events"] == [])
            // The sender's own event carries its transaction ID.
            #expect(room["timeline"]?["events"]?.arrayValue?.first?["unsigned"]?["transaction_id"]?.stringValue != nil)
        }
    }

    @Test func longPollWakesWhenAMessageArrives() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let token = try #require(try await sync(server, bob).json["next_batch"]?.stringValue)
            let started = ContinuousClock.now
            async let waiting = sync(server, bob, since: token, timeout: 180_000)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            _ = try await server.sendOK(alice, roomId, "wake up")
            let response = try await waiting
            #expect(bodies(response.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]) == ["wake up"])
            // Woken by the message, not by the 180 s timeout (a bound to tell the two apart, not a figure).
            #expect(ContinuousClock.now - started < .seconds(120))
            #expect(await notifier.waitingCount == 0)
        }
    }

    @Test func gapsAreLimitedWithAWorkingPrevBatch() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let token = try #require(try await sync(server, alice).json["next_batch"]?.stringValue)
            #expect(try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "in the gap"]).status == 200)
            for i in 1...15 { _ = try await server.sendOK(alice, roomId, "n\(i)") }
            let filter: JSONObject = ["room": ["timeline": ["limit": 5]]]
            let response = try await sync(server, alice, since: token, filter: filter)
            let room = try #require(response.json["rooms"]?["join"]?[roomId])
            #expect(bodies(room["timeline"]?["events"]) == ["n11", "n12", "n13", "n14", "n15"])
            #expect(room["timeline"]?["limited"] == true)
            // The state section carries what changed in the gap.
            #expect((room["state"]?["events"]?.arrayValue ?? []).contains { $0["type"] == "m.room.topic" })
            let prevBatch = try #require(room["timeline"]?["prev_batch"]?.stringValue)
            let earlier = try await server.client.get(
                server.roomPath(roomId, "messages?dir=b&limit=10&from=\(TestServer.queryValue(prevBatch))"),
                token: alice.accessToken)
            #expect(bodies(earlier.json["chunk"]) == (1...10).reversed().map { "n\($0)" })
        }
    }

    @Test func invitesJoinsLeavesKicksAndBansAppear() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["name": "Private"])
            var token = try #require(try await sync(server, bob).json["next_batch"]?.stringValue)
            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            var response = try await sync(server, bob, since: token)
            let invite = try #require(response.json["rooms"]?["invite"]?[roomId])
            let stripped = invite["invite_state"]?["events"]?.arrayValue ?? []
            #expect(stripped.contains { $0["type"] == "m.room.name" && $0["content"]?["name"] == "Private" })
            #expect(stripped.contains { $0["type"] == "m.room.member" && $0["state_key"]?.stringValue == bob.userId })
            token = try #require(response.json["next_batch"]?.stringValue)

            try await server.joinOK(bob, roomId)
            response = try await sync(server, bob, since: token, filter: ["room": ["timeline": ["limit": 1]]])
            let joined = try #require(response.json["rooms"]?["join"]?[roomId])
            // A room joined since the token comes with its whole state.
            #expect((joined["state"]?["events"]?.arrayValue ?? []).contains { $0["type"] == "m.room.create" })
            #expect(response.json["rooms"]?["invite"]?[roomId] == nil)
            token = try #require(response.json["next_batch"]?.stringValue)

            #expect(try await server.kick(alice, roomId, bob.userId, reason: "bye").status == 200)
            _ = try await server.sendOK(alice, roomId, "after the kick")
            response = try await sync(server, bob, since: token)
            let left = try #require(response.json["rooms"]?["leave"]?[roomId])
            let events = left["timeline"]?["events"]?.arrayValue ?? []
            #expect(events.last?["content"]?["membership"] == "leave")
            let leftBodies = bodies(left["timeline"]?["events"])
            #expect(!leftBodies.contains("after the kick"))
            #expect(response.json["rooms"]?["join"]?[roomId] == nil)
            token = try #require(response.json["next_batch"]?.stringValue)

            #expect(try await server.invite(alice, roomId, bob.userId).status == 200)
            try await server.joinOK(bob, roomId)
            token = try #require(try await sync(server, bob, since: token).json["next_batch"]?.stringValue)
            #expect(try await server.ban(alice, roomId, bob.userId).status == 200)
            response = try await sync(server, bob, since: token)
            let banned = try #require(response.json["rooms"]?["leave"]?[roomId])
            #expect(banned["timeline"]?["events"]?.arrayValue?.last?["content"]?["membership"] == "ban")
            // Left rooms are not in an initial sync unless the filter asks.
            #expect(try await sync(server, bob).json["rooms"]?["leave"]?[roomId] == nil)
            let withLeave = try await sync(server, bob, filter: ["room": ["include_leave": true]])
            #expect(withLeave.json["rooms"]?["leave"]?[roomId] != nil)
        }
    }

    @Test func accountDataArrivesAndWakes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let token = try #require(try await sync(server, alice).json["next_batch"]?.stringValue)
            async let waiting = sync(server, alice, since: token, timeout: 60_000)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let put = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/org.example.a", ["x": 1],
                token: alice.accessToken)
            #expect(put.status == 200)
            let response = try await waiting
            #expect(response.json["account_data"]?["events"] == [["type": "org.example.a", "content": ["x": 1]]])
            let next = try #require(response.json["next_batch"]?.stringValue)
            _ = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(roomId))/account_data/org.example.r",
                ["y": 2], token: alice.accessToken)
            let roomData = try await sync(server, alice, since: next)
            #expect(roomData.json["rooms"]?["join"]?[roomId]?["account_data"]?["events"]
                == [["type": "org.example.r", "content": ["y": 2]]])
        }
    }

    @Test func lazyLoadingKeepsOnlyTheSendersMembers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            // Named: an unnamed room's heroes would come too (SyncLazyLoadingTests).
            let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Senders only"])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)
            _ = try await server.sendOK(bob, roomId, "from bob")
            let filter: JSONObject = ["room": ["timeline": ["limit": 1], "state": ["lazy_load_members": true]]]
            let response = try await sync(server, carol, filter: filter)
            let state = response.json["rooms"]?["join"]?[roomId]?["state"]?["events"]?.arrayValue ?? []
            let members = Set(state.filter { $0["type"] == "m.room.member" }.compactMap { $0["state_key"]?.stringValue })
            #expect(members == [bob.userId, carol.userId])
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            for query in ["since=garbage", "since=s1_x", "timeout=-5", "timeout=abc", "full_state=maybe",
                          "filter=%7Bnot%20json", "filter=12345", "set_presence=busy"] {
                let response = try await server.client.get("/_matrix/client/v3/sync?\(query)", token: alice.accessToken)
                #expect(response.status == 400, "\(query)")
                #expect(["M_INVALID_PARAM", "M_NOT_JSON", "M_BAD_JSON"].contains(response.errcode ?? ""), "\(query)")
            }
            #expect(try await server.client.get("/_matrix/client/v3/sync").status == 401)
            let badFilter = try await server.client.get(
                "/_matrix/client/v3/sync?\(TestServer.filterQuery(["room": ["timeline": ["limit": "ten"]]]))",
                token: alice.accessToken)
            #expect(badFilter.status == 400)
            #expect(badFilter.errcode == "M_BAD_JSON")
        }
    }
}

@Suite struct SyncFilterAndIgnoreTests {
    @Test func storedFiltersAndIgnoredUsersApply() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            _ = try await server.sendOK(bob, roomId, "from bob")
            _ = try await server.sendOK(alice, roomId, "from alice")
            // A stored filter by ID.
            let created = try await server.client.post(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/filter",
                ["room": ["timeline": ["limit": 1]]], token: alice.accessToken)
            let filterId = try #require(created.json["filter_id"]?.stringValue)
            let filtered = try await server.client.get("/_matrix/client/v3/sync?filter=\(filterId)", token: alice.accessToken)
            let events = filtered.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue ?? []
            #expect(events.count == 1)
            // Alice ignores Bob: his message leaves her timeline, and his invites do not reach her.
            let ignore = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/account_data/m.ignored_user_list",
                ["ignored_users": .object([bob.userId: [:]])], token: alice.accessToken)
            #expect(ignore.status == 200)
            let synced = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let bodies = (synced.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue ?? [])
                .compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies.contains("from alice"))
            #expect(!bodies.contains("from bob"))
            let bobsRoom = try await server.createRoom(bob)
            #expect(try await server.invite(bob, bobsRoom, alice.userId).status == 200)
            let carolsRoom = try await server.createRoom(carol)
            #expect(try await server.invite(carol, carolsRoom, alice.userId).status == 200)
            let invites = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            #expect(invites.json["rooms"]?["invite"]?[bobsRoom] == nil)
            #expect(invites.json["rooms"]?["invite"]?[carolsRoom] != nil)
        }
    }
}

@Suite struct SyncEphemeralTests {
    func longPoll(_ server: TestServer, _ user: TestServer.User, since: String) async throws -> TestResponse {
        try await server.client.get("/_matrix/client/v3/sync?timeout=180000&since=\(TestServer.queryValue(since))",
                                    token: user.accessToken)
    }

    @Test func typingReceiptsAndPresenceReachSyncAndWakeIt() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            let message = try await server.sendOK(alice, roomId, "read me")
            var token = try #require(try await server.client.get("/_matrix/client/v3/sync", token: bob.accessToken)
                .json["next_batch"]?.stringValue)
            let notifier = server.running.homeserver.services.sync.notifier

            // Typing wakes bob's long-poll and arrives as m.typing.
            let sincetypingSync = token
            async let typingSync = longPoll(server, bob, since: sincetypingSync)
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await server.typing(alice, roomId, ["typing": true, "timeout": 10_000]).status == 200)
            var response = try await typingSync
            var ephemeral = response.json["rooms"]?["join"]?[roomId]?["ephemeral"]?["events"]?.arrayValue ?? []
            #expect(ephemeral.contains { $0["type"] == "m.typing" && $0["content"]?["user_ids"] == [.string(alice.userId)] })
            token = try #require(response.json["next_batch"]?.stringValue)

            // A read receipt wakes it too.
            let sincereceiptSync = token
            async let receiptSync = longPoll(server, bob, since: sincereceiptSync)
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await server.receipt(alice, roomId, "m.read", message).status == 200)
            response = try await receiptSync
            ephemeral = response.json["rooms"]?["join"]?[roomId]?["ephemeral"]?["events"]?.arrayValue ?? []
            let receipt = ephemeral.first { $0["type"] == "m.receipt" }
            #expect(receipt?["content"]?[message]?["m.read"]?[alice.userId]?["ts"] != nil)
            token = try #require(response.json["next_batch"]?.stringValue)

            // Presence of someone sharing the room.
            let sincepresenceSync = token
            async let presenceSync = longPoll(server, bob, since: sincepresenceSync)
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let put = try await server.client.put(
                "/_matrix/client/v3/presence/\(TestServer.segment(alice.userId))/status",
                ["presence": "online", "status_msg": "tea"], token: alice.accessToken)
            #expect(put.status == 200)
            response = try await presenceSync
            let presence = response.json["presence"]?["events"]?.arrayValue ?? []
            #expect(presence.contains { $0["sender"]?.stringValue == alice.userId && $0["content"]?["status_msg"] == "tea" })
        }
    }
}

@Suite struct SyncPresenceTests {
    @Test func setPresenceOnSync() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            func state() async throws -> String? {
                try await server.client.get("/_matrix/client/v3/presence/\(TestServer.segment(alice.userId))/status",
                                            token: alice.accessToken).json["presence"]?.stringValue
            }
            #expect(try await state() == "offline")
            // set_presence=offline leaves presence alone.
            _ = try await server.client.get("/_matrix/client/v3/sync?set_presence=offline", token: alice.accessToken)
            #expect(try await state() == "offline")
            // The default brings an offline user online.
            _ = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            #expect(try await state() == "online")
            _ = try await server.client.get("/_matrix/client/v3/sync?set_presence=unavailable", token: alice.accessToken)
            #expect(try await state() == "unavailable")
            // The user's own presence reaches their sync.
            let synced = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let own = synced.json["presence"]?["events"]?.arrayValue ?? []
            #expect(own.contains { $0["sender"]?.stringValue == alice.userId })
        }
    }
}

@Suite struct SyncEventFormatTests {
    @Test func eventFieldsAndFederationFormat() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            _ = try await server.sendOK(alice, roomId, "shaped")
            let fields: JSONObject = ["event_fields": ["type", "content.body"], "room": ["timeline": ["limit": 1]]]
            let cut = try await server.client.get("/_matrix/client/v3/sync?\(TestServer.filterQuery(fields))",
                                                  token: alice.accessToken)
            let event = cut.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue?.first
            #expect(event == ["type": "m.room.message", "content": ["body": "shaped"]])
            let federation: JSONObject = ["event_format": "federation", "room": ["timeline": ["limit": 1]]]
            let raw = try await server.client.get("/_matrix/client/v3/sync?\(TestServer.filterQuery(federation))",
                                                  token: alice.accessToken)
            let pdu = raw.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue?.first
            #expect(pdu?["hashes"] != nil)
            #expect(pdu?["signatures"] != nil)
            #expect(pdu?["content"]?["body"] == "shaped")
        }
    }
}
