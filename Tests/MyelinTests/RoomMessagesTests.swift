import Foundation
import MatrixCore
import Testing

/// `/messages` and `/context` through the real endpoints.
@Suite struct RoomMessagesTests {
    /// A room with `count` messages "m1"... from Alice.
    private func roomWithMessages(_ server: TestServer, _ alice: TestServer.User, count: Int) async throws -> String {
        let roomId = try await server.createRoom(alice)
        for index in 1...count { _ = try await server.sendOK(alice, roomId, "m\(index)") }
        return roomId
    }

    @Test func paginatesBackwardsAndForwardsWithStableTokens() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await roomWithMessages(server, alice, count: 7)

            // Backwards from the end in pages of 3.
            let first = try await server.messages(alice, roomId, "dir=b&limit=3")
            #expect(first.status == 200)
            #expect(first.json.bodies == ["m7", "m6", "m5"])
            let start = try #require(first.json["start"]?.stringValue)
            let end1 = try #require(first.json["end"]?.stringValue)
            let second = try await server.messages(alice, roomId, "dir=b&limit=3&from=\(end1)")
            #expect(second.json.bodies == ["m4", "m3", "m2"])
            #expect(second.json["start"]?.stringValue == end1)
            let end2 = try #require(second.json["end"]?.stringValue)
            // The same token gives the same page.
            let again = try await server.messages(alice, roomId, "dir=b&limit=3&from=\(end1)")
            #expect(again.json.eventIds() == second.json.eventIds())

            // Forwards from the second page's end returns what the first two pages covered, in order.
            let forward = try await server.messages(alice, roomId, "dir=f&limit=6&from=\(end2)")
            #expect(forward.json.bodies == ["m2", "m3", "m4", "m5", "m6", "m7"])
            // With `to`: forwards stops at the first page's end, backwards at the second's.
            let bounded = try await server.messages(alice, roomId, "dir=f&limit=10&from=\(end2)&to=\(end1)")
            #expect(bounded.json.bodies == ["m2", "m3", "m4"])
            let boundedBack = try await server.messages(alice, roomId, "dir=b&limit=10&from=\(start)&to=\(end1)")
            #expect(boundedBack.json.bodies == ["m7", "m6", "m5"])

            // All the way back: the room's first events, then no `end`.
            var from = end2
            var all: [JSONObject] = []
            for _ in 0..<10 {
                let page = try await server.messages(alice, roomId, "dir=b&limit=4&from=\(from)")
                all += page.json.events()
                guard let next = page.json["end"]?.stringValue else { break }
                from = next
            }
            #expect(all.last?["type"]?.stringValue == "m.room.create")
            #expect(all.first?["content"]?["body"]?.stringValue == "m1")

            // Forwards without `from` starts at the room's beginning.
            let beginning = try await server.messages(alice, roomId, "dir=f&limit=2")
            #expect(beginning.json.events().first?["type"]?.stringValue == "m.room.create")
            // Forwards to the end: no `end` once nothing follows.
            let tail = try await server.messages(alice, roomId, "dir=f&limit=50")
            #expect(tail.json.bodies.suffix(2) == ["m6", "m7"])
            #expect(tail.json["end"] == nil)
            // The default limit is 10.
            let defaults = try await server.messages(alice, roomId, "dir=b")
            #expect(defaults.json.events().count == 10)
            // The start token of a backwards page continues forwards with what came later.
            let last = try await server.sendOK(alice, roomId, "m8")
            let newer = try await server.messages(alice, roomId, "dir=f&from=\(start)")
            #expect(newer.json.eventIds() == [last])
        }
    }

    @Test func acceptsStreamTokens() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await roomWithMessages(server, alice, count: 3)
            let page = try await server.messages(alice, roomId, "dir=b&limit=1&from=s999999")
            #expect(page.status == 200)
            #expect(page.json.bodies == ["m3"])
            #expect(page.json["start"]?.stringValue == "s999999")
            let nothing = try await server.messages(alice, roomId, "dir=b&from=s0")
            #expect(nothing.json.events().isEmpty)
            #expect(nothing.json["end"] == nil)
        }
    }

    @Test func filters() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await roomWithMessages(server, alice, count: 2)
            _ = try await server.sendEventOK(alice, roomId, type: "org.example.custom", ["x": 1])
            _ = try await server.sendEventOK(alice, roomId, ["msgtype": "m.image", "body": "pic", "url": "mxc://a/b"])

            func types(_ filter: JSONObject) async throws -> [String] {
                let page = try await server.messages(alice, roomId, "dir=b&limit=50&" + TestServer.filterQuery(filter))
                #expect(page.status == 200)
                return page.json.events().compactMap { $0["type"]?.stringValue }
            }
            #expect(try await types(["types": ["org.example.*"]]) == ["org.example.custom"])
            #expect(try await types(["types": ["m.room.message"], "limit": 1]).count == 3)
            let notTypes = try await types(["not_types": ["m.room.*"]])
            #expect(notTypes == ["org.example.custom"])
            #expect(try await types(["senders": [.string("@nobody:\(server.serverName)")]]).isEmpty)
            #expect(try await types(["not_senders": [.string(alice.userId)]]).isEmpty)
            let withURL = try await server.messages(
                alice, roomId, "dir=b&" + TestServer.filterQuery(["contains_url": true]))
            #expect(withURL.json.bodies == ["pic"])
            // A filter that keeps few events still fills the page from further back.
            let page = try await server.messages(alice, roomId, "dir=b&limit=2&" + TestServer.filterQuery(
                ["types": ["m.room.message"]]))
            #expect(page.json.bodies == ["pic", "m2"])
            let next = try #require(page.json["end"]?.stringValue)
            let rest = try await server.messages(alice, roomId, "dir=b&limit=2&from=\(next)&" + TestServer.filterQuery(
                ["types": ["m.room.message"]]))
            #expect(rest.json.bodies == ["m1"])
        }
    }

    @Test func lazyLoadsTheMembersOfSenders() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)
            _ = try await server.sendOK(carol, roomId, "from carol")
            _ = try await server.sendOK(bob, roomId, "from bob")
            let page = try await server.messages(alice, roomId, "dir=b&limit=1&" + TestServer.filterQuery(
                ["lazy_load_members": true]))
            #expect(page.json.bodies == ["from bob"])
            let state = page.json.events("state")
            #expect(state.compactMap { $0["state_key"]?.stringValue } == [bob.userId])
            #expect(state.first?["type"]?.stringValue == "m.room.member")
            // Without lazy loading there is no state.
            let plain = try await server.messages(alice, roomId, "dir=b&limit=1")
            #expect(plain.json["state"] == nil)
        }
    }

    @Test func badParameters() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await roomWithMessages(server, alice, count: 1)
            let cases: [(String, String)] = [
                ("limit=3", "M_MISSING_PARAM"),
                ("dir=x", "M_INVALID_PARAM"),
                ("dir=b&limit=-1", "M_INVALID_PARAM"),
                ("dir=b&limit=ten", "M_INVALID_PARAM"),
                ("dir=b&from=nonsense", "M_INVALID_PARAM"),
                ("dir=b&from=t1", "M_INVALID_PARAM"),
                ("dir=b&from=t1_x", "M_INVALID_PARAM"),
                ("dir=b&to=s-1", "M_INVALID_PARAM"),
                ("dir=b&filter=\(TestServer.queryValue("{nope"))", "M_NOT_JSON"),
                ("dir=b&filter=\(TestServer.queryValue("[1]"))", "M_BAD_JSON"),
                ("dir=b&filter=\(TestServer.queryValue("{\"types\": \"m.room.message\"}"))", "M_BAD_JSON"),
            ]
            for (query, errcode) in cases {
                let response = try await server.messages(alice, roomId, query)
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == errcode, "\(query)")
            }
            // A huge limit is capped, not refused.
            let huge = try await server.messages(alice, roomId, "dir=b&limit=100000")
            #expect(huge.status == 200)
            let zero = try await server.messages(alice, roomId, "dir=b&limit=0")
            #expect(zero.status == 200)
            #expect(zero.json.events().isEmpty)
        }
    }

    @Test func context() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice, ["name": "Ctx"])
            var ids: [String] = []
            for index in 1...9 { ids.append(try await server.sendOK(alice, roomId, "m\(index)")) }
            let path = server.roomPath(roomId, "context/\(TestServer.segment(ids[4]))")

            let response = try await server.client.get(path + "?limit=4", token: alice.accessToken)
            #expect(response.status == 200)
            #expect(response.json["event"]?["event_id"]?.stringValue == ids[4])
            #expect(response.json.bodies == [])
            #expect(response.json.events("events_before").compactMap { $0["content"]?["body"]?.stringValue }
                    == ["m4", "m3"])
            #expect(response.json.events("events_after").compactMap { $0["content"]?["body"]?.stringValue }
                    == ["m6", "m7"])
            let state = response.json.events("state")
            #expect(state.contains { $0["type"]?.stringValue == "m.room.name" })
            // The tokens continue with /messages on either side.
            let start = try #require(response.json["start"]?.stringValue)
            let end = try #require(response.json["end"]?.stringValue)
            let earlier = try await server.messages(alice, roomId, "dir=b&limit=2&from=\(start)")
            #expect(earlier.json.bodies == ["m2", "m1"])
            let later = try await server.messages(alice, roomId, "dir=f&limit=5&from=\(end)")
            #expect(later.json.bodies == ["m8", "m9"])

            // limit=0 still returns the event; the default splits 10 as 5 + 5.
            let bare = try await server.client.get(path + "?limit=0", token: alice.accessToken)
            #expect(bare.json["event"]?["event_id"]?.stringValue == ids[4])
            #expect(bare.json.events("events_before").isEmpty && bare.json.events("events_after").isEmpty)
            let defaults = try await server.client.get(path, token: alice.accessToken)
            #expect(defaults.json.events("events_before").count == 5)
            #expect(defaults.json.events("events_after").count == 4)

            // The filter applies to the surrounding events and the state, not the event itself.
            let filtered = try await server.client.get(
                path + "?" + TestServer.filterQuery(["types": ["m.room.name"]]), token: alice.accessToken)
            #expect(filtered.json["event"]?["event_id"]?.stringValue == ids[4])
            #expect(filtered.json.events("events_after").isEmpty)
            #expect(filtered.json.events("events_before").compactMap { $0["type"]?.stringValue } == ["m.room.name"])
            #expect(filtered.json.events("state").compactMap { $0["type"]?.stringValue } == ["m.room.name"])
            // Lazy loading keeps only the senders' member events.
            let lazy = try await server.client.get(
                path + "?limit=2&" + TestServer.filterQuery(["lazy_load_members": true]), token: alice.accessToken)
            let members = lazy.json.events("state").filter { $0["type"]?.stringValue == "m.room.member" }
            #expect(members.compactMap { $0["state_key"]?.stringValue } == [alice.userId])

            // Refusals.
            let unknown = try await server.client.get(server.roomPath(roomId, "context/%24nope"), token: alice.accessToken)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_NOT_FOUND")
            let badLimit = try await server.client.get(path + "?limit=x", token: alice.accessToken)
            #expect(badLimit.status == 400)
            #expect(badLimit.errcode == "M_INVALID_PARAM")
            let badFilter = try await server.client.get(path + "?filter=%7B", token: alice.accessToken)
            #expect(badFilter.status == 400)
        }
    }
}
