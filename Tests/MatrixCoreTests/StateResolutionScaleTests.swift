@testable import MatrixCore
import Testing

/// Resolution walks auth chains with worklists: a chain of 50,000 power levels events, every one of
/// them in the full conflicted set, must resolve without overflowing the stack.
@Suite struct StateResolutionScaleTests {
    static let length = 50_000

    private func chain(_ version: RoomVersion) -> (MemoryLookup, [[StateTuple: String]], last: String) {
        let createId = version.roomIDFromCreateEvent ? "$create" : "$create:example.com"
        let roomId = version.roomIDFromCreateEvent ? "!create" : "!room:example.com"
        var lookup = MemoryLookup()
        func add(_ id: String, type: String, stateKey: String, content: JSONObject, auth: [String], depth: Int64) {
            var json: JSONObject = [
                "type": .string(type), "state_key": .string(stateKey), "sender": .string(alice), "content": .object(content),
                "auth_events": .array(auth.map { .string($0) }), "depth": .int(depth), "origin_server_ts": .int(depth),
                "room_id": .string(roomId),
            ]
            if type == "m.room.create", version.roomIDFromCreateEvent { json["room_id"] = nil }
            lookup.events[id] = PDU(eventId: id, roomVersion: version, json: json)
        }
        // The create event is cited only before room version 12.
        let cite = version.roomIDFromCreateEvent ? [] : [createId]
        add(createId, type: "m.room.create", stateKey: "", content: ["creator": .string(alice)], auth: [], depth: 1)
        add("$join", type: "m.room.member", stateKey: alice, content: ["membership": "join"], auth: cite, depth: 2)
        var previous: String?
        for index in 1...Self.length {
            let id = "$pl\(index)"
            let users: JSONValue = .object(version.privilegedCreators ? [:] : [alice: 100])
            add(id, type: "m.room.power_levels", stateKey: "", content: ["users": users, "n": .int(Int64(index))],
                auth: cite + ["$join"] + (previous.map { [$0] } ?? []), depth: Int64(index) + 2)
            previous = id
        }
        // Two topics, one on each end of the chain, so the mainline ordering walks all of it too.
        let topic = StateTuple(type: "m.room.topic", stateKey: "")
        add("$topic-old", type: topic.type, stateKey: "", content: [:], auth: cite + ["$join", "$pl1"], depth: 3)
        add("$topic-new", type: topic.type, stateKey: "", content: [:],
            auth: cite + ["$join", "$pl\(Self.length)"], depth: Int64(Self.length) + 3)
        let base: [StateTuple: String] = [
            StateKeys.create: createId, StateTuple(type: "m.room.member", stateKey: alice): "$join",
        ]
        var newest = base, oldest = base
        newest[StateKeys.powerLevels] = "$pl\(Self.length)"
        newest[topic] = "$topic-new"
        oldest[StateKeys.powerLevels] = "$pl1"
        oldest[topic] = "$topic-old"
        return (lookup, [newest, oldest], "$pl\(Self.length)")
    }

    @Test(arguments: [RoomVersion.v10, .v12]) func longLinearAuthChain(version: RoomVersion) async throws {
        let (lookup, stateSets, last) = chain(version)
        let resolved = try await StateResolution.resolve(
            roomVersion: version, stateSets: stateSets, lookup: lookup, authCheck: TestAuthRules.check)
        #expect(resolved[StateKeys.powerLevels] == last)
        #expect(resolved[StateTuple(type: "m.room.topic", stateKey: "")] == "$topic-new")
    }
}
