import Foundation
import MatrixCore
import MyelinEphemeral
import Testing

@Suite struct ReceiptTests {
    @Test func publicAndPrivateReceipts() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let first = try await server.sendOK(alice, roomId, "one")
            let second = try await server.sendOK(alice, roomId, "two")
            let receipts = server.ephemeral.receipts
            let start = try await receipts.currentPosition()

            #expect(try await server.receipt(bob, roomId, "m.read", first).status == 200)
            let afterRead = try await receipts.currentPosition()
            #expect(afterRead > start)
            let seenByAlice = try await receipts.update(viewer: alice.userId, roomIds: [roomId], since: start)
            #expect(seenByAlice.position == afterRead)
            let receipt = try #require(seenByAlice.rooms[roomId]?.receipt(first, "m.read", bob.userId))
            #expect(receipt["ts"] == .int(server.clock.read()))
            #expect(receipt["thread_id"] == nil)

            // A private receipt is only ever served to its owner.
            #expect(try await server.receipt(bob, roomId, "m.read.private", second).status == 200)
            let afterPrivate = try await receipts.currentPosition()
            #expect(afterPrivate > afterRead)
            let aliceSince = try await receipts.update(viewer: alice.userId, roomIds: [roomId], since: afterRead)
            #expect(aliceSince.rooms.isEmpty)
            #expect(aliceSince.position == afterPrivate)
            let bobSince = try await receipts.update(viewer: bob.userId, roomIds: [roomId], since: afterRead)
            #expect(bobSince.rooms[roomId]?.receipt(second, "m.read.private", bob.userId) != nil)
            // An initial sync (no position) gets every current receipt of the viewer's rooms.
            let aliceAll = try await receipts.update(viewer: alice.userId, since: nil)
            #expect(aliceAll.rooms[roomId]?.receipt(first, "m.read", bob.userId) != nil)
            #expect(aliceAll.rooms[roomId]?[second] == nil)
            let bobAll = try await receipts.update(viewer: bob.userId, since: nil)
            #expect(bobAll.rooms[roomId]?.receipt(first, "m.read", bob.userId) != nil)
            #expect(bobAll.rooms[roomId]?.receipt(second, "m.read.private", bob.userId) != nil)
        }
    }

    @Test func receiptsOnlyMoveForward() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let first = try await server.sendOK(alice, roomId, "one")
            let second = try await server.sendOK(alice, roomId, "two")
            let receipts = server.ephemeral.receipts
            #expect(try await server.receipt(bob, roomId, "m.read", second).status == 200)
            let position = try await receipts.currentPosition()
            // Older, and the same again: accepted, ignored.
            #expect(try await server.receipt(bob, roomId, "m.read", first).status == 200)
            #expect(try await server.receipt(bob, roomId, "m.read", second).status == 200)
            #expect(try await receipts.currentPosition() == position)
            let all = try await receipts.update(viewer: alice.userId, since: nil)
            #expect(all.rooms[roomId]?.receipt(second, "m.read", bob.userId) != nil)
            #expect(all.rooms[roomId]?[first] == nil)
            // Each type moves on its own.
            #expect(try await server.receipt(bob, roomId, "m.read.private", first).status == 200)
            #expect(try await receipts.currentPosition() > position)
        }
    }

    @Test func threadedReceipts() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let root = try await server.sendOK(alice, roomId, "root")
            let reply = try await server.sendThreadReply(alice, roomId, root: root)
            let plain = try await server.sendOK(alice, roomId, "main timeline")
            let receipts = server.ephemeral.receipts

            // In the thread: its replies and its root.
            #expect(try await server.receipt(bob, roomId, "m.read", reply, ["thread_id": .string(root)]).status == 200)
            #expect(try await server.receipt(bob, roomId, "m.read.private", root, ["thread_id": .string(root)]).status == 200)
            // The main timeline: events outside threads, roots included.
            #expect(try await server.receipt(bob, roomId, "m.read", plain, ["thread_id": "main"]).status == 200)
            #expect(try await server.receipt(alice, roomId, "m.read", root, ["thread_id": "main"]).status == 200)

            let seen = try await receipts.update(viewer: bob.userId, since: nil)
            let content = try #require(seen.rooms[roomId])
            #expect(content.receipt(reply, "m.read", bob.userId)?["thread_id"] == .string(root))
            #expect(content.receipt(root, "m.read.private", bob.userId)?["thread_id"] == .string(root))
            #expect(content.receipt(plain, "m.read", bob.userId)?["thread_id"] == "main")
            #expect(content.receipt(root, "m.read", alice.userId)?["thread_id"] == "main")

            // Threads and the unthreaded receipt are separate: an unthreaded one on an older event still counts.
            let before = try await receipts.currentPosition()
            #expect(try await server.receipt(bob, roomId, "m.read", root).status == 200)
            #expect(try await receipts.currentPosition() > before)

            // Refusals: an event outside the named thread, an empty or non-string thread_id, fully_read with one.
            for (eventId, thread) in [(reply, JSONValue.string("main")), (plain, .string(root)), (reply, .string(plain))] {
                let wrong = try await server.receipt(bob, roomId, "m.read", eventId, ["thread_id": thread])
                #expect(wrong.status == 400)
                #expect(wrong.errcode == "M_INVALID_PARAM")
            }
            for thread: JSONValue in ["", 5, .null] {
                let bad = try await server.receipt(bob, roomId, "m.read", plain, ["thread_id": thread])
                #expect(bad.status == 400)
                #expect(bad.errcode == "M_INVALID_PARAM")
            }
            let fullyRead = try await server.receipt(bob, roomId, "m.fully_read", plain, ["thread_id": "main"])
            #expect(fullyRead.status == 400)
            #expect(fullyRead.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func fullyReadThroughTheReceiptEndpoint() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let first = try await server.sendOK(alice, roomId, "one")
            let position = try await server.ephemeral.receipts.currentPosition()
            #expect(try await server.receipt(alice, roomId, "m.fully_read", first).status == 200)
            #expect(try await server.fullyRead(alice, roomId) == first)
            // Not a receipt: the receipt stream does not move.
            #expect(try await server.ephemeral.receipts.currentPosition() == position)
        }
    }

    @Test func receiptsAreAnnouncedAndPagesAreBounded() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.sharedRoom(alice, [bob])
            let event = try await server.sendOK(alice, roomId)
            let receipts = server.ephemeral.receipts
            let notices = await receipts.feed.subscribe()
            #expect(try await server.receipt(bob, roomId, "m.read.private", event).status == 200)
            let notice = await firstNotice(notices)
            #expect(notice == ReceiptChange(roomId: roomId, userId: bob.userId, isPrivate: true,
                                            position: try await receipts.currentPosition()))

            let start = try await receipts.currentPosition()
            #expect(try await server.receipt(alice, roomId, "m.read", event).status == 200)
            let middle = try await receipts.currentPosition()
            #expect(try await server.receipt(bob, roomId, "m.read", event).status == 200)
            let end = try await receipts.currentPosition()
            // A limit of one: the first receipt only, complete up to its position.
            let page = try await receipts.update(viewer: alice.userId, roomIds: [roomId], since: start, limit: 1)
            #expect(page.position == middle)
            #expect(page.rooms[roomId]?.receipt(event, "m.read", alice.userId) != nil)
            #expect(page.rooms[roomId]?.receipt(event, "m.read", bob.userId) == nil)
            let rest = try await receipts.update(viewer: alice.userId, roomIds: [roomId], since: page.position)
            #expect(rest.position == end)
            #expect(rest.rooms[roomId]?.receipt(event, "m.read", bob.userId) != nil)
            // Up to a position in the past.
            let bounded = try await receipts.update(viewer: alice.userId, roomIds: [roomId], since: start, upTo: middle)
            #expect(bounded.position == middle)
            #expect(bounded.rooms[roomId]?.receipt(event, "m.read", bob.userId) == nil)
            // Rooms the viewer does not ask about are not served.
            #expect(try await receipts.update(viewer: alice.userId, roomIds: [], since: start).rooms.isEmpty)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.sharedRoom(alice, [bob])
            let event = try await server.sendOK(alice, roomId)
            let otherRoom = try await server.createRoom(alice)
            let elsewhere = try await server.sendOK(alice, otherRoom)

            let badType = try await server.receipt(bob, roomId, "m.seen", event)
            #expect(badType.status == 400)
            #expect(badType.errcode == "M_INVALID_PARAM")
            let badEventId = try await server.receipt(bob, roomId, "m.read", "not-an-event")
            #expect(badEventId.status == 400)
            #expect(badEventId.errcode == "M_INVALID_PARAM")
            let unknownEvent = try await server.receipt(bob, roomId, "m.read", "$nope")
            #expect(unknownEvent.status == 404)
            #expect(unknownEvent.errcode == "M_NOT_FOUND")
            let wrongRoom = try await server.receipt(alice, roomId, "m.read", elsewhere)
            #expect(wrongRoom.status == 404)
            #expect(wrongRoom.errcode == "M_NOT_FOUND")
            let notJoined = try await server.receipt(carol, roomId, "m.read", event)
            #expect(notJoined.status == 403)
            #expect(notJoined.errcode == "M_FORBIDDEN")
            let unknownRoom = try await server.receipt(bob, "!nowhere:\(server.serverName)", "m.read", event)
            #expect(unknownRoom.status == 403)
            #expect(unknownRoom.errcode == "M_FORBIDDEN")
            let anonymous = try await server.client.post(
                server.roomPath(roomId, "receipt/m.read/\(TestServer.segment(event))"), [:])
            #expect(anonymous.status == 401)
            #expect(try await server.ephemeral.receipts.currentPosition() == 0)

            // An event from before the user joined, in a room whose history is for joined members only.
            let hidden = try await server.createRoom(alice, ["preset": "public_chat"])
            #expect(try await server.putState(alice, hidden, type: "m.room.history_visibility",
                                              ["history_visibility": "joined"]).status == 200)
            let secret = try await server.sendOK(alice, hidden, "before carol")
            #expect(try await server.join(carol, hidden).status == 200)
            let invisible = try await server.receipt(carol, hidden, "m.read", secret)
            #expect(invisible.status == 403)
            #expect(invisible.errcode == "M_FORBIDDEN")

            // No body at all is accepted (clients have long sent none).
            let noBody = try await server.client.request(
                "POST", server.roomPath(roomId, "receipt/m.read/\(TestServer.segment(event))"),
                token: bob.accessToken)
            #expect(noBody.status == 200)
        }
    }
}
