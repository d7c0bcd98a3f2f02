import Foundation
import MatrixCore
import Testing

/// `unread_notifications` and `unread_thread_notifications` in `/sync` through HTTP: counts decided by
/// the server-default push rules for each local member, reset by receipts and the user's own events.
@Suite struct SyncUnreadNotificationTests {
    struct Counts: Equatable, CustomStringConvertible {
        let notifications: Int64?
        let highlights: Int64?
        init(_ notifications: Int64?, _ highlights: Int64?) {
            self.notifications = notifications
            self.highlights = highlights
        }
        init(_ json: JSONValue?) {
            self.init(json?["notification_count"]?.intValue, json?["highlight_count"]?.intValue)
        }
        var description: String { "\(notifications.map(String.init) ?? "-")/\(highlights.map(String.init) ?? "-")" }
    }

    func sync(_ server: TestServer, _ user: TestServer.User, since: String? = nil, timeout: Int = 0,
              threads: Bool = false) async throws -> TestResponse {
        var query = ["timeout=\(timeout)"]
        if let since { query.append("since=\(TestServer.queryValue(since))") }
        if threads { query.append(TestServer.filterQuery(["room": ["timeline": ["unread_thread_notifications": true]]])) }
        let response = try await server.client.get("/_matrix/client/v3/sync?" + query.joined(separator: "&"),
                                                   token: user.accessToken)
        guard response.status == 200 else { throw TestFailure("sync: \(response.status) \(response.json)") }
        return response
    }

    /// The room's counts in an initial sync of `user`.
    func unread(_ server: TestServer, _ user: TestServer.User, _ roomId: String) async throws -> Counts {
        Counts(try await sync(server, user).json["rooms"]?["join"]?[roomId]?["unread_notifications"])
    }

    /// Expects the room's counts for `user`, reporting the counts found (and the caller's line) otherwise.
    func expectUnread(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ notifications: Int64,
                      _ highlights: Int64, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let found = try await unread(server, user, roomId)
        #expect(found == Counts(notifications, highlights), sourceLocation: sourceLocation)
    }

    func sendOK(_ server: TestServer, _ user: TestServer.User, _ roomId: String, type: String = "m.room.message",
                _ content: JSONObject) async throws -> String {
        let response = try await server.send(user, roomId, type: type, content)
        guard response.status == 200, let id = response.json["event_id"]?.stringValue else {
            throw TestFailure("send failed: \(response.status) \(response.json)")
        }
        return id
    }

    /// alice's public room with bob and carol joined: three members, so not a one-to-one room.
    func threeUsers(_ server: TestServer) async throws
        -> (alice: TestServer.User, bob: TestServer.User, carol: TestServer.User, roomId: String)
    {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let carol = try await server.register("carol")
        let roomId = try await server.sharedRoom(alice, [bob, carol])
        return (alice, bob, carol, roomId)
    }

    @Test func plainMessagesCountAndOwnMessagesDoNot() async throws {
        try await withServer { server in
            let (alice, bob, carol, roomId) = try await threeUsers(server)
            // Joins and room creation notify nobody.
            try await expectUnread(server, bob, roomId, 0, 0)
            _ = try await server.sendOK(alice, roomId, "one")
            _ = try await server.sendOK(alice, roomId, "two")
            try await expectUnread(server, bob, roomId, 2, 0)
            try await expectUnread(server, carol, roomId, 2, 0)
            try await expectUnread(server, alice, roomId, 0, 0)
        }
    }

    @Test func aSyncThatReturnsTheMessageCountsIt() async throws {
        try await withServer { server in
            let (alice, bob, _, roomId) = try await threeUsers(server)
            let token = try #require(try await sync(server, bob).json["next_batch"]?.stringValue)
            async let waiting = sync(server, bob, since: token, timeout: 180_000)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            _ = try await server.sendOK(alice, roomId, "wake up")
            let room = try await waiting.json["rooms"]?["join"]?[roomId]
            let bodies = (room?["timeline"]?["events"]?.arrayValue ?? []).compactMap { $0["content"]?["body"]?.stringValue }
            #expect(bodies == ["wake up"])
            #expect(Counts(room?["unread_notifications"]) == Counts(1, 0))
        }
    }

    @Test func mentionsHighlight() async throws {
        try await withServer { server in
            let (alice, bob, carol, roomId) = try await threeUsers(server)
            // By m.mentions.
            _ = try await sendOK(server, alice, roomId, [
                "msgtype": "m.text", "body": "look", "m.mentions": ["user_ids": [.string(bob.userId)]],
            ])
            try await expectUnread(server, bob, roomId, 1, 1)
            try await expectUnread(server, carol, roomId, 1, 0)
            // By display name, from a client that does not send m.mentions.
            try await server.putProfileOK(bob, "displayname", "Robert Paulson")
            _ = try await server.sendOK(alice, roomId, "robert paulson, lunch?")
            try await expectUnread(server, bob, roomId, 2, 2)
            // With m.mentions the body is not searched for names.
            _ = try await sendOK(server, alice, roomId, [
                "msgtype": "m.text", "body": "Robert Paulson again", "m.mentions": [:],
            ])
            try await expectUnread(server, bob, roomId, 3, 2)
            // @room from the room's creator (power 100) highlights everyone; from carol (power 0) it does not.
            _ = try await sendOK(server, carol, roomId, ["msgtype": "m.text", "body": "hey", "m.mentions": ["room": true]])
            try await expectUnread(server, bob, roomId, 4, 2)
            _ = try await sendOK(server, alice, roomId, ["msgtype": "m.text", "body": "hey", "m.mentions": ["room": true]])
            try await expectUnread(server, bob, roomId, 5, 3)
            // carol's own message marked everything before it as read: only alice's @room is left.
            try await expectUnread(server, carol, roomId, 1, 1)
        }
    }

    @Test func noticesEditsReactionsAndMemberEventsDoNotCount() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.sharedRoom(alice, [bob])
            try await server.joinOK(carol, roomId)
            _ = try await sendOK(server, alice, roomId, ["msgtype": "m.notice", "body": "build passed, bob"])
            let original = try await server.sendOK(carol, roomId, "tpyo")
            try await expectUnread(server, bob, roomId, 1, 0)
            _ = try await sendOK(server, carol, roomId, [
                "msgtype": "m.text", "body": "* typo", "m.new_content": ["msgtype": "m.text", "body": "typo"],
                "m.relates_to": ["rel_type": "m.replace", "event_id": .string(original)], "m.mentions": [:],
            ])
            _ = try await sendOK(server, alice, roomId, type: "m.reaction", [
                "m.relates_to": ["rel_type": "m.annotation", "event_id": .string(original), "key": "👍"],
            ])
            #expect(try await server.leave(carol, roomId).status == 200)
            #expect(try await server.putState(alice, roomId, type: "m.room.topic", ["topic": "tea"]).status == 200)
            try await expectUnread(server, bob, roomId, 1, 0)
        }
    }

    @Test func encryptedEventsCountInOneToOneAndGroupRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let direct = try await server.createRoom(alice, ["preset": "trusted_private_chat", "is_direct": true,
                                                             "invite": [.string(bob.userId)]])
            // Invited rooms have no counts.
            let invited = try await sync(server, bob).json["rooms"]?["invite"]?[direct]
            #expect(invited != nil)
            #expect(invited?["unread_notifications"] == nil)
            try await server.joinOK(bob, direct)
            let encrypted: JSONObject = [
                "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnAC", "device_id": "ALICEDEV",
                "sender_key": "c2VuZGVyIGtleQ", "session_id": "c2Vzc2lvbg",
            ]
            _ = try await sendOK(server, alice, direct, type: "m.room.encrypted", encrypted)
            _ = try await server.sendOK(alice, direct, "plain too")
            try await expectUnread(server, bob, direct, 2, 0)

            let group = try await server.sharedRoom(alice, [bob, carol])
            _ = try await sendOK(server, alice, group, type: "m.room.encrypted", encrypted)
            try await expectUnread(server, bob, group, 1, 0)
        }
    }

    @Test func receiptsResetTheCountAndBringTheRoomBack() async throws {
        try await withServer { server in
            let (alice, bob, _, roomId) = try await threeUsers(server)
            var ids: [String] = []
            for body in ["a", "b", "c"] { ids.append(try await server.sendOK(alice, roomId, body)) }
            var token = try #require(try await sync(server, bob).json["next_batch"]?.stringValue)

            // A public receipt on the second message: the room comes back with the new count.
            #expect(try await server.receipt(bob, roomId, "m.read", ids[1]).status == 200)
            var response = try await sync(server, bob, since: token)
            #expect(Counts(response.json["rooms"]?["join"]?[roomId]?["unread_notifications"]) == Counts(1, 0))
            token = try #require(response.json["next_batch"]?.stringValue)

            // A private receipt counts as well, and it is the furthest receipt that matters.
            #expect(try await server.receipt(bob, roomId, "m.read.private", ids[2]).status == 200)
            response = try await sync(server, bob, since: token)
            #expect(Counts(response.json["rooms"]?["join"]?[roomId]?["unread_notifications"]) == Counts(0, 0))
            token = try #require(response.json["next_batch"]?.stringValue)
            #expect(try await server.receipt(bob, roomId, "m.read", ids[2]).status == 200)
            try await expectUnread(server, bob, roomId, 0, 0)

            // Read markers set receipts too.
            let d = try await server.sendOK(alice, roomId, "d")
            try await expectUnread(server, bob, roomId, 1, 0)
            #expect(try await server.readMarkers(bob, roomId, ["m.fully_read": .string(d), "m.read": .string(d)]).status == 200)
            try await expectUnread(server, bob, roomId, 0, 0)

            // Sending a message marks what came before it as read.
            _ = try await server.sendOK(alice, roomId, "e")
            try await expectUnread(server, bob, roomId, 1, 0)
            _ = try await server.sendOK(bob, roomId, "seen it")
            try await expectUnread(server, bob, roomId, 0, 0)
            try await expectUnread(server, alice, roomId, 1, 0)
        }
    }

    @Test func threadedReceiptsAndThreadCounts() async throws {
        try await withServer { server in
            let (alice, bob, _, roomId) = try await threeUsers(server)
            let root = try await server.sendOK(alice, roomId, "root")
            let reply1 = try await server.sendThreadReply(alice, roomId, root: root, "r1")
            let reply2 = try await server.sendThreadReply(alice, roomId, root: root, "r2")
            _ = try await sendOK(server, alice, roomId, [
                "msgtype": "m.text", "body": "r3", "m.mentions": ["user_ids": [.string(bob.userId)]],
                "m.relates_to": ["rel_type": "m.thread", "event_id": .string(root)],
            ])

            func counts() async throws -> (all: Counts, main: Counts, threads: JSONValue?) {
                let all = try await unread(server, bob, roomId)
                let room = try await sync(server, bob, threads: true).json["rooms"]?["join"]?[roomId]
                return (all, Counts(room?["unread_notifications"]), room?["unread_thread_notifications"])
            }
            var result = try await counts()
            #expect(result.all == Counts(4, 1))
            #expect(result.main == Counts(1, 0))
            #expect(Counts(result.threads?[root]) == Counts(3, 1))
            #expect(result.threads?.objectValue?.count == 1)

            // A receipt in the thread clears only the thread, up to its event.
            #expect(try await server.receipt(bob, roomId, "m.read", reply2, ["thread_id": .string(root)]).status == 200)
            result = try await counts()
            #expect(result.main == Counts(1, 0))
            #expect(Counts(result.threads?[root]) == Counts(1, 1))
            #expect(result.all == Counts(2, 1))

            // `main` clears the main timeline only.
            #expect(try await server.receipt(bob, roomId, "m.read", root, ["thread_id": "main"]).status == 200)
            result = try await counts()
            #expect(result.main == Counts(0, 0))
            #expect(Counts(result.threads?[root]) == Counts(1, 1))

            // An unthreaded receipt clears everything before it, whatever the thread; threads at zero are
            // left out.
            let later = try await server.sendOK(alice, roomId, "later")
            #expect(try await server.receipt(bob, roomId, "m.read", later).status == 200)
            result = try await counts()
            #expect(result.all == Counts(0, 0))
            #expect(result.main == Counts(0, 0))
            #expect(result.threads == nil)
            _ = reply1
        }
    }

    @Test func ignoredUsersDoNotCount() async throws {
        try await withServer { server in
            let (alice, bob, carol, roomId) = try await threeUsers(server)
            var ignored = JSONObject()
            ignored[carol.userId] = .object([:])
            let ignore = try await server.client.put(
                "/_matrix/client/v3/user/\(TestServer.segment(bob.userId))/account_data/m.ignored_user_list",
                ["ignored_users": .object(ignored)], token: bob.accessToken)
            #expect(ignore.status == 200)
            _ = try await server.sendOK(carol, roomId, "you cannot hear me")
            _ = try await server.sendOK(alice, roomId, "but me")
            try await expectUnread(server, bob, roomId, 1, 0)
            // Only bob ignores carol.
            try await expectUnread(server, carol, roomId, 1, 0)
        }
    }
}
