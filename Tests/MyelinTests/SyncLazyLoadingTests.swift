import Foundation
import MatrixCore
import Testing

/// `/sync` with `lazy_load_members`: the member events a client needs to show the timeline's senders
/// reach it in incremental syncs too, and a gap's membership changes are never dropped.
@Suite struct SyncLazyLoadingTests {
    static func lazy(limit: Int? = nil, redundant: Bool = false) -> JSONObject {
        var state: JSONObject = ["lazy_load_members": true]
        if redundant { state["include_redundant_members"] = true }
        var room: JSONObject = ["state": .object(state)]
        if let limit { room["timeline"] = ["limit": .int(Int64(limit))] }
        return ["room": .object(room)]
    }

    /// A room where Bob joined but has not spoken, and Alice's token from a sync that did not send
    /// her Bob's member event. The room has a name, so its heroes' member events are not needed.
    func roomWithASilentMember(_ server: TestServer) async throws
        -> (alice: TestServer.User, bob: TestServer.User, roomId: String, token: String)
    {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let roomId = try await server.createRoom(alice, ["preset": "public_chat", "name": "Lazy"])
        try await server.joinOK(bob, roomId)
        _ = try await server.sendOK(alice, roomId, "from alice")
        let initial = try await server.syncOK(alice, filter: Self.lazy(limit: 1))
        let room = try #require(initial["rooms"]?["join"]?[roomId])
        #expect(room.sectionBodies() == ["from alice"])
        #expect(!room.memberKeys("state").contains(bob.userId))
        return (alice, bob, roomId, try server.nextBatch(initial))
    }

    @Test func theHeroesOfAnUnnamedRoomComeWithTheSummary() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)
            _ = try await server.sendOK(alice, roomId, "from alice")
            // Carol's lazy sync: Alice spoke, Bob did not; both are heroes of this unnamed room.
            let initial = try await server.syncOK(carol, filter: Self.lazy(limit: 1))
            let room = try #require(initial["rooms"]?["join"]?[roomId])
            let heroes = Set((room["summary"]?["m.heroes"]?.arrayValue ?? []).compactMap(\.stringValue))
            #expect(heroes == [alice.userId, bob.userId])
            #expect(Set(room.memberKeys("state")).isSuperset(of: [bob.userId, carol.userId]))
            // Named, the room needs no heroes: Bob's member event is left out again.
            _ = try await server.client.put(server.roomPath(roomId, "state/m.room.name/"), ["name": "Named"],
                                            token: alice.accessToken)
            _ = try await server.sendOK(alice, roomId, "named now")
            let named = try await server.syncOK(carol, filter: Self.lazy(limit: 1))
            let namedRoom = try #require(named["rooms"]?["join"]?[roomId])
            #expect(!namedRoom.memberKeys("state").contains(bob.userId))
        }
    }

    @Test func aNewSpeakersMemberEventArrivesWithTheirMessage() async throws {
        try await withServer { server in
            let (alice, bob, roomId, token) = try await roomWithASilentMember(server)
            _ = try await server.sendOK(bob, roomId, "from bob")
            let next = try await server.syncOK(alice, since: token, filter: Self.lazy())
            let room = try #require(next["rooms"]?["join"]?[roomId])
            #expect(room.sectionBodies() == ["from bob"])
            #expect(room["timeline"]?["limited"] == false)
            #expect(room.memberKeys("state") == [bob.userId])
            // With state_after the sender's member event is there too (the state the client keeps).
            let after = try await server.syncOK(alice, since: token, filter: Self.lazy(), extra: ["use_state_after=true"])
            #expect(after["rooms"]?["join"]?[roomId]?.memberKeys("state_after") == [bob.userId])
        }
    }

    @Test func redundantMembersAreSentWhenAsked() async throws {
        try await withServer { server in
            let (alice, bob, roomId, token) = try await roomWithASilentMember(server)
            _ = try await server.sendOK(bob, roomId, "one")
            let first = try await server.syncOK(alice, since: token, filter: Self.lazy(redundant: true))
            #expect(first["rooms"]?["join"]?[roomId]?.memberKeys("state") == [bob.userId])
            _ = try await server.sendOK(bob, roomId, "two")
            let second = try await server.syncOK(alice, since: try server.nextBatch(first),
                                                 filter: Self.lazy(redundant: true))
            let room = try #require(second["rooms"]?["join"]?[roomId])
            #expect(room.sectionBodies() == ["two"])
            #expect(room.memberKeys("state") == [bob.userId])
        }
    }

    @Test func aGappySyncCarriesTheSendersAndTheGapsMemberChanges() async throws {
        try await withServer { server in
            let (alice, bob, roomId, token) = try await roomWithASilentMember(server)
            let carol = try await server.register("carol")
            // Carol joins in the gap and never speaks; Bob speaks after.
            try await server.joinOK(carol, roomId)
            for i in 1...4 { _ = try await server.sendOK(bob, roomId, "b\(i)") }
            let next = try await server.syncOK(alice, since: token, filter: Self.lazy(limit: 2))
            let room = try #require(next["rooms"]?["join"]?[roomId])
            #expect(room.sectionBodies() == ["b3", "b4"])
            #expect(room["timeline"]?["limited"] == true)
            #expect(room.memberKeys("state") == [bob.userId, carol.userId])
        }
    }
}
