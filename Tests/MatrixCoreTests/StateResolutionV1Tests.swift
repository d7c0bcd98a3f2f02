@testable import MatrixCore
import Testing

/// Room version 1 resolution basics: depth and `sha1(event_id)` ordering, the power levels chain of
/// auth checks, and auth-checked picks for other keys.
@Suite struct StateResolutionV1Tests {
    private func endState(_ events: [TestEvent], _ edges: [[String]]) async throws -> ResolutionTestRoom {
        var room = ResolutionTestRoom(version: .v1)
        try await room.build(events, edges: edges)
        return room
    }

    private let topic = StateTuple(type: "m.room.topic", stateKey: "")

    @Test func deeperTopicWins() async throws {
        let room = try await endState(
            [.topic("T1", alice), TestEvent("M", zara, "m.room.message", nil), .topic("T2", alice)],
            [["END", "T1", "START"], ["END", "T2", "M", "START"]])
        #expect(room.stateAfter["END"]?[topic] == room.id("T2"))
    }

    @Test func deeperTopicThatFailsAuthLoses() async throws {
        // Zara has level 0 and topics need 50: her deeper topic fails, Alice's stands.
        let room = try await endState(
            [.topic("T1", alice), TestEvent("M", zara, "m.room.message", nil), .topic("T2", zara)],
            [["END", "T1", "START"], ["END", "T2", "M", "START"]])
        #expect(room.stateAfter["END"]?[topic] == room.id("T1"))
    }

    @Test func powerLevelsChainStopsAtTheFirstRefusal() async throws {
        // PA (shallow) is taken first; Charlie's deeper PC is checked against PA and refused.
        let refused = try await endState(
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]), TestEvent("M", zara, "m.room.message", nil),
                .powerLevels("PC", charlie, [alice: 100, charlie: 100]),
            ],
            [["END", "PA", "START"], ["END", "PC", "M", "START"]])
        #expect(refused.stateAfter["END"]?[StateKeys.powerLevels] == refused.id("PA"))

        // Alice's deeper change passes against PA and replaces it.
        let accepted = try await endState(
            [
                .powerLevels("PA", alice, [alice: 100, bob: 50]), TestEvent("M", zara, "m.room.message", nil),
                .powerLevels("PB", alice, [alice: 100, bob: 50, charlie: 50]),
            ],
            [["END", "PA", "START"], ["END", "PB", "M", "START"]])
        #expect(accepted.stateAfter["END"]?[StateKeys.powerLevels] == accepted.id("PB"))
    }

    @Test func equalDepthTiesBreakOnDescendingSHA1() async throws {
        let room = try await endState(
            [.powerLevels("PX", alice, [alice: 100, bob: 50]), .powerLevels("PY", alice, [alice: 100, charlie: 50])],
            [["END", "PX", "START"], ["END", "PY", "START"]])
        // Ascending depth, then descending hash: the larger hash is taken first, the other is then
        // checked against it and (Alice may do anything) replaces it.
        let x = room.id("PX"), y = room.id("PY")
        let last = SHA1.digest(x.utf8).lexicographicallyPrecedes(SHA1.digest(y.utf8)) ? x : y
        #expect(room.stateAfter["END"]?[StateKeys.powerLevels] == last)
    }

    @Test func keysMissingFromSomeStatesAreNotConflicts() async throws {
        let resolved = try await StateResolution.resolve(
            roomVersion: .v1, stateSets: [[topic: "$unknown"], [:]], lookup: MemoryLookup(), authCheck: TestAuthRules.check)
        #expect(resolved == [topic: "$unknown"])
    }

    @Test func banBeatsConcurrentJoinWhenBanIsDeeper() async throws {
        let room = try await endState(
            [
                TestEvent("M", zara, "m.room.message", nil), .member("MB", alice, evelyn, "ban"),
                .member("ME", evelyn, evelyn, "join"),
            ],
            [["END", "MB", "M", "START"], ["END", "ME", "START"]])
        #expect(room.stateAfter["END"]?[StateTuple(type: "m.room.member", stateKey: evelyn)] == room.id("MB"))
    }
}
