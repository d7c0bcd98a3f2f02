import Foundation
import MatrixCore
import MyelinEphemeral
import Testing

@Suite struct TypingTests {
    @Test func startStopAndExpiryMoveTheStream() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let typing = server.ephemeral.typing
            let start = await typing.currentPosition()

            #expect(try await server.typing(alice, roomId, ["typing": true, "timeout": 10_000]).status == 200)
            #expect(await typing.typingUsers(in: roomId) == [alice.userId])
            let afterAlice = await typing.currentPosition()
            #expect(afterAlice > start)
            #expect(await typing.changedRooms(since: start) == [roomId])

            #expect(try await server.typing(bob, roomId, ["typing": true]).status == 200)
            #expect(await typing.typingUsers(in: roomId) == [alice.userId, bob.userId].sorted())
            let afterBob = await typing.currentPosition()
            #expect(afterBob > afterAlice)

            // Refreshing a notice is no change.
            #expect(try await server.typing(alice, roomId, ["typing": true, "timeout": 20_000]).status == 200)
            #expect(await typing.currentPosition() == afterBob)
            #expect(await typing.changedRooms(since: afterBob).isEmpty)

            // Stopping is a change; `timeout` may be left out.
            #expect(try await server.typing(alice, roomId, ["typing": false]).status == 200)
            #expect(await typing.typingUsers(in: roomId) == [bob.userId])
            let afterStop = await typing.currentPosition()
            #expect(afterStop > afterBob)
            let update = await typing.update(since: afterBob, in: [roomId])
            #expect(update.rooms == [roomId: [bob.userId]])
            #expect(update.position == afterStop)

            // Bob's notice (30 s by default) expires with the clock, and that is a change too.
            server.clock.advance(ms: 29_000)
            #expect(await typing.typingUsers(in: roomId) == [bob.userId])
            #expect(await typing.currentPosition() == afterStop)
            server.clock.advance(ms: 1_000)
            #expect(await typing.typingUsers(in: roomId).isEmpty)
            let afterExpiry = await typing.currentPosition()
            #expect(afterExpiry > afterStop)
            #expect(await typing.update(since: afterStop).rooms == [roomId: []])
            #expect(await typing.update(since: afterExpiry).rooms.isEmpty)
            // Stopping again changes nothing.
            #expect(try await server.typing(bob, roomId, ["typing": false]).status == 200)
            #expect(await typing.currentPosition() == afterExpiry)
        }
    }

    @Test func longTimeoutsAreCappedAtTwoMinutes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            #expect(try await server.typing(alice, roomId, ["typing": true, "timeout": 3_600_000]).status == 200)
            server.clock.advance(ms: 119_000)
            #expect(await server.ephemeral.typing.typingUsers(in: roomId) == [alice.userId])
            server.clock.advance(ms: 1_000)
            #expect(await server.ephemeral.typing.typingUsers(in: roomId).isEmpty)
        }
    }

    @Test func roomsAreSeparateAndSyncSeesOnlyItsRooms() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let first = try await server.createRoom(alice)
            let second = try await server.createRoom(alice)
            let typing = server.ephemeral.typing
            let start = await typing.currentPosition()
            #expect(try await server.typing(alice, first, ["typing": true]).status == 200)
            #expect(try await server.typing(alice, second, ["typing": true]).status == 200)
            #expect(await typing.changedRooms(since: start) == [first, second].sorted())
            #expect(await typing.update(since: start, in: [second]).rooms == [second: [alice.userId]])
            // An initial sync (no position) gets every room with someone typing.
            #expect(await typing.update(since: nil).rooms == [first: [alice.userId], second: [alice.userId]])
            // A position from before a restart (beyond the current one) counts as none.
            let ahead = await typing.currentPosition() + 100
            #expect(await typing.update(since: ahead).rooms.count == 2)
        }
    }

    @Test func leavingTheRoomStopsTyping() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            #expect(try await server.typing(bob, roomId, ["typing": true]).status == 200)
            #expect(try await server.leave(bob, roomId).status == 200)
            let stopped = try await server.eventually {
                await server.ephemeral.typing.typingUsers(in: roomId).isEmpty
            }
            #expect(stopped)
        }
    }

    @Test func changesAreAnnounced() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let notices = await server.ephemeral.typing.feed.subscribe()
            #expect(try await server.typing(alice, roomId, ["typing": true]).status == 200)
            let notice = await firstNotice(notices)
            #expect(notice?.roomId == roomId)
            #expect(notice?.position == (await server.ephemeral.typing.currentPosition()))
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.sharedRoom(alice, [bob])

            // Only for oneself.
            let forOther = try await server.typing(alice, roomId, as: bob.userId, ["typing": true])
            #expect(forOther.status == 403)
            #expect(forOther.errcode == "M_FORBIDDEN")
            // Only in a joined room (an unknown one too).
            let notJoined = try await server.typing(carol, roomId, ["typing": true])
            #expect(notJoined.status == 403)
            #expect(notJoined.errcode == "M_FORBIDDEN")
            let unknown = try await server.typing(alice, "!nowhere:\(server.serverName)", ["typing": true])
            #expect(unknown.status == 403)
            #expect(unknown.errcode == "M_FORBIDDEN")
            // Bad bodies.
            let missing = try await server.typing(alice, roomId, ["timeout": 1000])
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let notBool = try await server.typing(alice, roomId, ["typing": "yes"])
            #expect(notBool.status == 400)
            #expect(notBool.errcode == "M_BAD_JSON")
            let badTimeout = try await server.typing(alice, roomId, ["typing": true, "timeout": "long"])
            #expect(badTimeout.status == 400)
            #expect(badTimeout.errcode == "M_BAD_JSON")
            let notJSON = try await server.client.request(
                "PUT", server.roomPath(roomId, "typing/\(TestServer.segment(alice.userId))"),
                rawBody: Data("typing".utf8), token: alice.accessToken)
            #expect(notJSON.status == 400)
            #expect(notJSON.errcode == "M_NOT_JSON")
            let anonymous = try await server.client.put(
                server.roomPath(roomId, "typing/\(TestServer.segment(alice.userId))"), ["typing": true])
            #expect(anonymous.status == 401)
            // Nothing of that reached the stream.
            #expect(await server.ephemeral.typing.currentPosition() == 0)
        }
    }

    @Test func expiryIsAnnouncedWithoutAnyoneReading() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let notices = await server.ephemeral.typing.feed.subscribe()
            // A zero timeout expires at once: the timer task, not a read, must announce it.
            #expect(try await server.typing(alice, roomId, ["typing": true, "timeout": 0]).status == 200)
            var iterator = notices.makeAsyncIterator()
            #expect(await iterator.next() == TypingChange(roomId: roomId, position: 1))
            #expect(await iterator.next() == TypingChange(roomId: roomId, position: 2))
        }
    }
}
