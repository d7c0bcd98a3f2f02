@testable import MatrixCore
import Testing

/// Where room version 12's v2.1 resolution gives a different answer from v2.
@Suite struct StateResolutionV21Tests {
    /// Bob, a moderator, changes the power levels and then leaves. A state set that has lost his power
    /// levels change (a state reset, say) but keeps his leave is merged with one that has both.
    ///
    /// v2 replays Bob's change against the unconflicted state, where Bob has already left, so it fails
    /// and the older power levels win: the reset sticks. v2.1 replays from the empty state, Bob's
    /// membership comes from the change's own auth events (a join), and his change stands.
    private func resetScenario(
        _ version: RoomVersion, rejected: Set<String> = []
    ) async throws -> (ResolutionTestRoom, [StateTuple: String]) {
        var room = ResolutionTestRoom(version: version)
        try await room.build(
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .powerLevels("PB", bob, [alice: 100, bob: 50, charlie: 50]),
                .member("LB", bob, bob, "leave"),
            ],
            edges: [["END", "LB", "PB", "PA", "START"]])
        let current = room.stateAfter["LB"] ?? [:]
        var reset = current
        reset[StateKeys.powerLevels] = room.id("PA")
        var lookup = room.lookup
        lookup.rejected = Set(rejected.map { room.id($0) })
        let resolved = try await StateResolution.resolve(
            roomVersion: version, stateSets: [current, reset], lookup: lookup, authCheck: TestAuthRules.check)
        return (room, resolved)
    }

    @Test(arguments: [RoomVersion.v2, .v10, .v11]) func v2KeepsTheReset(version: RoomVersion) async throws {
        let (room, resolved) = try await resetScenario(version)
        #expect(resolved[StateKeys.powerLevels] == room.id("PA"))
        #expect(resolved[StateTuple(type: "m.room.member", stateKey: bob)] == room.id("LB"))
    }

    @Test func v21UndoesTheReset() async throws {
        let (room, resolved) = try await resetScenario(.v12)
        #expect(resolved[StateKeys.powerLevels] == room.id("PB"))
        // The unconflicted leave is laid back over the result.
        #expect(resolved[StateTuple(type: "m.room.member", stateKey: bob)] == room.id("LB"))
    }

    /// A rejected auth event may not stand in for missing state: without Bob's join, his change fails.
    @Test func v21IgnoresRejectedAuthEvents() async throws {
        let (room, resolved) = try await resetScenario(.v12, rejected: ["IMB"])
        #expect(resolved[StateKeys.powerLevels] == room.id("PA"))
    }

    /// In room version 12 the create event is implied by the room ID, never cited; the replay from the
    /// empty state must still find it (the test rules refuse everything without one).
    @Test func v21FindsTheCreateEventThroughTheRoomID() async throws {
        let (room, _) = try await resetScenario(.v12)
        #expect(room.event("PB")?.authEvents.contains(room.id("CREATE")) == false)
    }
}
