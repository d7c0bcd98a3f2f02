@testable import MatrixCore
import Testing

/// The classic state resolution scenarios of Synapse's `tests/state/test_v2.py` and Ruma's state-res
/// tests, rebuilt here: each builds a DAG off START, merges it at END, and checks what changed.
/// Run for a v2 room version without and with implicit creators, and for room version 12 (v2.1),
/// which gives the same answers for all of them.
@Suite struct StateResolutionV2ScenarioTests {
    static let versions: [RoomVersion] = [.v2, .v6, .v11, .v12]

    private func check(
        _ version: RoomVersion, _ events: [TestEvent], _ edges: [[String]], expect nodes: [String]
    ) async throws {
        var room = ResolutionTestRoom(version: version)
        try await room.build(events, edges: edges)
        let (actual, expected) = room.changedState(expected: nodes)
        #expect(actual == expected, "room version \(version)")
    }

    @Test(arguments: versions) func banBeatsPowerLevelsChangeByTheBanned(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .member("MA", alice, alice, "join"),
                .member("MB", alice, bob, "ban"),
                .powerLevels("PB", bob, [alice: 100, bob: 50]),
            ],
            [["END", "MB", "MA", "PA", "START"], ["END", "PB", "PA"]],
            expect: ["PA", "MA", "MB"])
    }

    @Test(arguments: versions) func joinRulesChangeRacingAJoin(version: RoomVersion) async throws {
        try await check(
            version,
            [
                TestEvent("JR", alice, "m.room.join_rules", "", ["join_rule": "invite"]),
                .member("ME", evelyn, evelyn, "join"),
            ],
            [["END", "JR", "START"], ["END", "ME", "START"]],
            expect: ["JR"])
    }

    @Test(arguments: versions) func offTopicPowerLevels(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .powerLevels("PB", bob, [alice: 100, bob: 50, charlie: 50]),
                .powerLevels("PC", charlie, [alice: 100, bob: 50, charlie: 0]),
            ],
            [["END", "PC", "PB", "PA", "START"], ["END", "PA"]],
            expect: ["PC"])
    }

    @Test(arguments: versions) func topicBasic(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .topic("T1", alice),
                .powerLevels("PA1", alice, [alice: 100, bob: 50]),
                .topic("T2", alice),
                .powerLevels("PA2", alice, [alice: 100, bob: 0]),
                .powerLevels("PB", bob, [alice: 100, bob: 50]),
                .topic("T3", bob),
            ],
            [["END", "PA2", "T2", "PA1", "T1", "START"], ["END", "T3", "PB", "PA1"]],
            expect: ["PA2", "T2"])
    }

    @Test(arguments: versions) func topicReset(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .topic("T1", alice),
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .topic("T2", bob),
                .member("MB", alice, bob, "ban"),
            ],
            [["END", "MB", "T2", "PA", "T1", "START"], ["END", "T1"]],
            expect: ["T1", "MB", "PA"])
    }

    @Test(arguments: versions) func topicAcrossMessages(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .topic("T1", alice),
                .powerLevels("PA1", alice, [alice: 100, bob: 50]),
                .topic("T2", alice),
                .powerLevels("PA2", alice, [alice: 100, bob: 0]),
                .powerLevels("PB", bob, [alice: 100, bob: 50]),
                .topic("T3", bob),
                TestEvent("MZ1", zara, "m.room.message", nil, ["body": "hi"]),
                .topic("T4", alice),
            ],
            [["END", "T4", "MZ1", "PA2", "T2", "PA1", "T1", "START"], ["END", "MZ1", "T3", "PB", "PA1"]],
            expect: ["T4", "PA2"])
    }

    /// T3 wins although T4 was sent later: T4 hangs off an older power levels event (PB's chain
    /// meets the mainline of PA2 further back).
    @Test(arguments: versions) func mainlineSort(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .topic("T1", alice),
                .powerLevels("PA1", alice, [alice: 100, bob: 50]),
                .topic("T2", alice),
                .powerLevels("PA2", alice, [alice: 100, bob: 50], extra: ["events": ["m.room.power_levels": 100]]),
                .powerLevels("PB", bob, [alice: 100, bob: 50]),
                .topic("T3", bob),
                .topic("T4", alice),
            ],
            [["END", "T3", "PA2", "T2", "PA1", "T1", "START"], ["END", "T4", "PB", "PA1"]],
            expect: ["T3", "PA2"])
    }

    /// Bob, a moderator, bans Charlie while Alice concurrently revokes Bob's power: Alice's change
    /// sorts first (more power), so the ban no longer passes and Charlie stays.
    @Test(arguments: versions) func banWithRevokedPowerLevel(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .member("MC", bob, charlie, "ban"),
                .powerLevels("PA2", alice, [alice: 100, bob: 0]),
            ],
            [["END", "MC", "PA", "START"], ["END", "PA2", "PA"]],
            expect: ["PA", "PA2"])
    }

    /// A ban and a rejoin of the banned user on another branch: the ban holds.
    @Test(arguments: versions) func banWithAuthChains(version: RoomVersion) async throws {
        try await check(
            version,
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]),
                .member("MB", alice, evelyn, "ban"),
                .member("IME", evelyn, evelyn, "join"),
            ],
            [["END", "MB", "PA", "START"], ["END", "IME", "PA"]],
            expect: ["PA", "MB"])
    }

    /// Two concurrent joins are both kept.
    @Test(arguments: versions) func concurrentJoinsMerge(version: RoomVersion) async throws {
        try await check(
            version,
            [.member("MEV", evelyn, evelyn, "join"), .member("MB2", bob, bob, "leave")],
            [["END", "MEV", "START"], ["END", "MB2", "START"]],
            expect: ["MEV", "MB2"])
    }
}

@Suite struct StateResolutionV2BehaviourTests {
    @Test func identicalStatesNeedNoLookups() async throws {
        let state = [StateTuple(type: "m.room.topic", stateKey: ""): "$unknown"]
        let resolved = try await StateResolution.resolve(
            roomVersion: .v10, stateSets: [state, state], lookup: MemoryLookup(), authCheck: TestAuthRules.check)
        #expect(resolved == state)
    }

    @Test func unknownConflictedEventsAreLeftOut() async throws {
        var room = ResolutionTestRoom(version: .v10)
        try await room.build([.topic("T1", alice)], edges: [["END", "T1", "START"]])
        var withUnknown = room.stateAfter["T1"] ?? [:]
        let topic = StateTuple(type: "m.room.topic", stateKey: "")
        withUnknown[topic] = "$nobody-has-this"
        let resolved = try await StateResolution.resolve(
            roomVersion: .v10, stateSets: [room.stateAfter["T1"] ?? [:], withUnknown], lookup: room.lookup,
            authCheck: TestAuthRules.check)
        #expect(resolved[topic] == room.id("T1"))
    }
}
