import Foundation
import MatrixCore
import MyelinEphemeral
import Testing

@Suite struct PresenceTests {
    @Test func setAndGet() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            _ = try await server.sharedRoom(alice, [bob])

            // Never seen: offline, nothing else.
            let unseen = try await server.getPresence(alice, of: alice.userId)
            #expect(unseen.status == 200)
            #expect(unseen.json == ["presence": "offline"])

            #expect(try await server.putPresence(alice, ["presence": "online", "status_msg": "Tea"]).status == 200)
            let own = try await server.getPresence(alice, of: alice.userId)
            #expect(own.json == ["presence": "online", "status_msg": "Tea", "currently_active": true, "last_active_ago": 0])
            server.clock.advance(ms: 1_500)
            // Someone who shares a room sees it, with the time since the activity.
            let seen = try await server.getPresence(bob, of: alice.userId)
            #expect(seen.status == 200)
            #expect(seen.json["presence"] == "online")
            #expect(seen.json["last_active_ago"] == 1_500)
            #expect(seen.json["status_msg"] == "Tea")

            // A new state without a message clears the message.
            #expect(try await server.putPresence(alice, ["presence": "unavailable"]).status == 200)
            let away = try await server.getPresence(bob, of: alice.userId)
            #expect(away.json == ["presence": "unavailable", "last_active_ago": 1_500])
            #expect(try await server.putPresence(alice, ["presence": "offline", "status_msg": "Gone"]).status == 200)
            #expect(try await server.getPresence(alice, of: alice.userId).json["presence"] == "offline")
            #expect(try await server.getPresence(alice, of: alice.userId).json["status_msg"] == "Gone")

            // Refusals.
            let stranger = try await server.getPresence(carol, of: alice.userId)
            #expect(stranger.status == 403)
            #expect(stranger.errcode == "M_FORBIDDEN")
            let nobody = try await server.getPresence(alice, of: "@nobody:\(server.serverName)")
            #expect(nobody.status == 403)
            let malformed = try await server.getPresence(alice, of: "nobody")
            #expect(malformed.status == 400)
            #expect(malformed.errcode == "M_INVALID_PARAM")
            let forOther = try await server.putPresence(alice, of: bob.userId, ["presence": "online"])
            #expect(forOther.status == 403)
            #expect(forOther.errcode == "M_FORBIDDEN")
            let badState = try await server.putPresence(alice, ["presence": "away"])
            #expect(badState.status == 400)
            #expect(badState.errcode == "M_INVALID_PARAM")
            let missing = try await server.putPresence(alice, ["status_msg": "x"])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let badMessage = try await server.putPresence(alice, ["presence": "online", "status_msg": 5])
            #expect(badMessage.status == 400)
            #expect(badMessage.errcode == "M_BAD_JSON")
            let extra = try await server.putPresence(alice, ["presence": "online", "last_active_ago": 5])
            #expect(extra.status == 400)
            #expect(extra.errcode == "M_BAD_JSON")
            let anonymous = try await server.client.get(
                "/_matrix/client/v3/presence/\(TestServer.segment(alice.userId))/status")
            #expect(anonymous.status == 401)
        }
    }

    @Test func idleUsersBecomeUnavailableAndActivityBringsThemBack() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let presence = server.ephemeral.presence
            #expect(try await server.putPresence(alice, ["presence": "online"]).status == 200)
            let online = try await presence.currentPosition()

            // After a minute: still online, no longer currently active (an update).
            server.clock.advance(ms: 60_000)
            let quiet = try await server.getPresence(bob, of: alice.userId)
            #expect(quiet.json == ["presence": "online", "currently_active": false, "last_active_ago": 60_000])
            let afterQuiet = try await presence.currentPosition()
            #expect(afterQuiet > online)

            // After five minutes without activity: unavailable (the default idle timeout).
            server.clock.advance(ms: 239_999)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "online")
            server.clock.advance(ms: 1)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "unavailable")
            let afterIdle = try await presence.currentPosition()
            #expect(afterIdle > afterQuiet)
            let update = try await presence.update(viewer: bob.userId, since: afterQuiet)
            #expect(update.position == afterIdle)
            #expect(update.events.count == 1)
            #expect(update.events.first?["sender"] == .string(alice.userId))
            #expect(update.events.first?["type"] == "m.presence")
            #expect(update.events.first?["content"]?["presence"] == "unavailable")

            // Activity (here a typing notice) brings her back online, currently active.
            #expect(try await server.typing(alice, roomId, ["typing": true]).status == 200)
            let back = try await server.getPresence(bob, of: alice.userId)
            #expect(back.json == ["presence": "online", "currently_active": true, "last_active_ago": 0])
            #expect(try await presence.currentPosition() > afterIdle)
            // More activity while currently active is no update.
            let active = try await presence.currentPosition()
            server.clock.advance(ms: 10_000)
            #expect(try await server.typing(alice, roomId, ["typing": false]).status == 200)
            #expect(try await presence.currentPosition() == active)
            #expect(try await server.getPresence(bob, of: alice.userId).json["last_active_ago"] == 0)

            // An offline user's activity leaves them offline (as in Synapse).
            #expect(try await server.putPresence(bob, ["presence": "offline"]).status == 200)
            let event = try await server.sendOK(alice, roomId)
            #expect(try await server.receipt(bob, roomId, "m.read", event).status == 200)
            #expect(try await server.getPresence(alice, of: bob.userId).json["presence"] == "offline")
        }
    }

    @Test func streamServesUsersWhoShareARoom() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            _ = try await server.sharedRoom(alice, [bob])
            let presence = server.ephemeral.presence
            let start = try await presence.currentPosition()
            let notices = await presence.feed.subscribe()

            #expect(try await server.putPresence(alice, ["presence": "online", "status_msg": "Hi"]).status == 200)
            let notice = await firstNotice(notices)
            let afterAlice = try await presence.currentPosition()
            #expect(notice == PresenceChange(userId: alice.userId, position: afterAlice))
            #expect(afterAlice > start)
            #expect(try await server.putPresence(carol, ["presence": "unavailable"]).status == 200)
            let afterCarol = try await presence.currentPosition()

            // Bob shares a room with Alice, not with Carol.
            let forBob = try await presence.update(viewer: bob.userId, since: start)
            #expect(forBob.position == afterCarol)
            #expect(forBob.events.map { $0["sender"] } == [.string(alice.userId)])
            #expect(forBob.events.first?["content"]?["status_msg"] == "Hi")
            // Carol sees her own presence only.
            let forCarol = try await presence.update(viewer: carol.userId, since: start)
            #expect(forCarol.events.map { $0["sender"] } == [.string(carol.userId)])
            // Alice: herself; nothing after her change but Carol's, which she may not see.
            #expect(try await presence.update(viewer: alice.userId, since: start).events.count == 1)
            #expect(try await presence.update(viewer: alice.userId, since: afterAlice).events.isEmpty)
            // An initial sync (no position) gets every known presence the viewer may see.
            #expect(try await presence.update(viewer: bob.userId, since: nil).events.count == 1)
            // Bounded: a limit cuts the answer at the last user served.
            #expect(try await server.putPresence(bob, ["presence": "online"]).status == 200)
            let page = try await presence.update(viewer: bob.userId, since: start, limit: 1)
            #expect(page.position == afterAlice)
            #expect(page.events.count == 1)
            // Up to a position in the past.
            let past = try await presence.update(viewer: bob.userId, since: start, upTo: afterAlice)
            #expect(past.position == afterAlice)
            #expect(past.events.count == 1)
            // Once Carol joins a shared room, Bob may read her presence.
            #expect(try await server.getPresence(bob, of: carol.userId).status == 403)
            _ = try await server.sharedRoom(carol, [bob])
            #expect(try await server.getPresence(bob, of: carol.userId).json["presence"] == "unavailable")
        }
    }

    @Test func presenceAndReceiptsSurviveARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var roomId = ""
        var eventId = ""
        var position: Int64 = 0
        try await withServer({ $0.dataDir = dir }) { server in
            let alice = try await server.register("alice")
            roomId = try await server.createRoom(alice)
            eventId = try await server.sendOK(alice, roomId)
            #expect(try await server.receipt(alice, roomId, "m.read", eventId).status == 200)
            // After the receipt: activity brings an unavailable user back online.
            #expect(try await server.putPresence(alice, ["presence": "unavailable", "status_msg": "Out"]).status == 200)
            position = try await server.ephemeral.presence.currentPosition()
        }
        try await withServer({ $0.dataDir = dir }) { server in
            let login = try await server.login("alice")
            let token = try #require(login.json["access_token"]?.stringValue)
            let userId = try #require(login.json["user_id"]?.stringValue)
            let own = try await server.client.get("/_matrix/client/v3/presence/\(TestServer.segment(userId))/status",
                                                  token: token)
            #expect(own.json["presence"] == "unavailable")
            #expect(own.json["status_msg"] == "Out")
            // Positions carry on from where they were.
            #expect(try await server.ephemeral.presence.currentPosition() == position)
            let receipts = try await server.ephemeral.receipts.update(viewer: userId, since: nil)
            #expect(receipts.rooms[roomId]?.receipt(eventId, "m.read", userId) != nil)
            #expect(receipts.position == 1)
        }
    }

    @Test func usersGoOfflineWhenTheirClientsStopSyncing() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let first = try await server.client.get("/_matrix/client/v3/sync?timeout=0", token: alice.accessToken)
            #expect(first.status == 200)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "online")
            // 30 s after her last sync ended (the default offline timeout): offline, and others hear of it.
            server.clock.advance(ms: 29_999)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "online")
            let before = try await server.ephemeral.presence.currentPosition()
            server.clock.advance(ms: 1)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "offline")
            let update = try await server.ephemeral.presence.update(viewer: bob.userId, since: before)
            #expect(update.events.map { $0["content"]?["presence"] } == ["offline"])

            // Syncing again brings her back; an open long-poll keeps her online however long it lasts.
            let token = try #require(try await server.client.get(
                "/_matrix/client/v3/sync?timeout=0", token: alice.accessToken).json["next_batch"]?.stringValue)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "online")
            async let waiting = server.client.get(
                "/_matrix/client/v3/sync?timeout=180000&since=\(TestServer.queryValue(token))", token: alice.accessToken)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            server.clock.advance(ms: 45_000)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] != "offline")
            _ = try await server.sendOK(bob, roomId, "wake up")
            #expect(try await waiting.status == 200)
            server.clock.advance(ms: 30_000)
            #expect(try await server.getPresence(bob, of: alice.userId).json["presence"] == "offline")

            // A sync with set_presence=offline does not count as syncing: bob, who only syncs so, stays
            // as he set himself.
            #expect(try await server.putPresence(bob, ["presence": "online"]).status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/sync?timeout=0&set_presence=offline",
                                                token: bob.accessToken).status == 200)
            server.clock.advance(ms: 40_000)
            #expect(try await server.getPresence(alice, of: bob.userId).json["presence"] == "online")
        }
    }
}
