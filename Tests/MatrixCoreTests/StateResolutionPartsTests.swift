@testable import MatrixCore
import Testing

/// The building blocks of resolution, tested on small hand-made graphs.
@Suite struct StateResolutionPartsTests {
    /// A bare event with the given auth events; `type` decides whether it is a power event.
    private func event(
        _ id: String, auth: [String] = [], type: String = "m.room.power_levels", sender: String = alice,
        ts: Int64 = 0, depth: Int64 = 1
    ) -> PDU {
        PDU(eventId: id, roomVersion: .v10, json: [
            "type": .string(type), "state_key": "", "sender": .string(sender), "content": [:],
            "auth_events": .array(auth.map { .string($0) }), "origin_server_ts": .int(ts), "depth": .int(depth),
        ])
    }

    private func events(_ list: [PDU]) -> ResolutionEvents {
        let byId = Dictionary(uniqueKeysWithValues: list.map { ($0.eventId, $0) })
        return ResolutionEvents(lookup: MemoryLookup(events: byId), roomVersion: .v10)
    }

    @Test func lexicographicalTopologicalSort() async throws {
        // Synapse's example: with equal power and timestamps only the event IDs break ties.
        let graph = events([
            event("l", auth: ["o"]), event("m", auth: ["n", "o"]), event("n", auth: ["o"]), event("o"),
            event("p", auth: ["o"]),
        ])
        let sorted = try await PowerOrdering.sortedPowerEvents(fullConflicted: ["l", "m", "n", "o", "p"], events: graph)
        #expect(sorted == ["o", "l", "n", "m", "p"])
    }

    @Test func powerOrderingPrefersTimestampsBeforeIDs() async throws {
        let graph = events([event("a", ts: 5), event("b", ts: 1)])
        #expect(try await PowerOrdering.sortedPowerEvents(fullConflicted: ["a", "b"], events: graph) == ["b", "a"])
    }

    @Test func powerEventsAreThoseThatCanTakePowerAway() {
        func member(_ sender: String, _ target: String, _ membership: String) -> PDU {
            PDU(eventId: "$m", roomVersion: .v10, json: [
                "type": "m.room.member", "state_key": .string(target), "sender": .string(sender),
                "content": ["membership": .string(membership)],
            ])
        }
        #expect(PowerOrdering.isPowerEvent(member(alice, bob, "ban")))
        #expect(PowerOrdering.isPowerEvent(member(alice, bob, "leave")))
        #expect(!PowerOrdering.isPowerEvent(member(bob, bob, "leave")))
        #expect(!PowerOrdering.isPowerEvent(member(alice, bob, "invite")))
        #expect(PowerOrdering.isPowerEvent(event("$pl")))
        #expect(!PowerOrdering.isPowerEvent(event("$t", type: "m.room.topic")))
    }

    @Test func authDifferenceIncludesTheStateEventsThemselves() async throws {
        // C -> B -> A; one state holds A and B, the other C: only C is in one chain and not the other.
        let graph = events([event("A"), event("B", auth: ["A"]), event("C", auth: ["B"])])
        let walk = try await AuthChainWalk.run(stateSets: [["A", "B"], ["C"]], recordEdges: false, events: graph)
        #expect(walk.difference() == ["C"])

        let longer = events([event("A"), event("B", auth: ["A"]), event("C", auth: ["B"]), event("D", auth: ["C"])])
        let walk2 = try await AuthChainWalk.run(stateSets: [["A", "B"], ["C", "D"]], recordEdges: false, events: longer)
        #expect(walk2.difference() == ["C", "D"])
    }

    @Test func authDifferenceHandlesManyStateSets() async throws {
        // 70 state sets (more than one mask word), all sharing the root; each adds its own event.
        var list = [event("root")]
        var sets: [Set<String>] = []
        for index in 0..<70 {
            list.append(event("e\(index)", auth: ["root"]))
            sets.append(["e\(index)"])
        }
        let walk = try await AuthChainWalk.run(stateSets: sets, recordEdges: false, events: events(list))
        #expect(walk.difference() == Set((0..<70).map { "e\($0)" }))
    }

    @Test func conflictedSubgraphIsThePathsBetweenConflictedEvents() async throws {
        // E <- A <- F <- B <- C <- D, plus A <- B directly; A and C are conflicted.
        // Paths from C to A pass B and F; D is above C and E below A, so neither is on a path.
        let graph = events([
            event("E"), event("A", auth: ["E"]), event("F", auth: ["A"]), event("B", auth: ["A", "F"]),
            event("C", auth: ["B"]), event("D", auth: ["C"]),
        ])
        let walk = try await AuthChainWalk.run(stateSets: [["A"], ["D"]], recordEdges: true, events: graph)
        #expect(walk.conflictedSubgraph(conflicted: ["A", "C"]) == ["A", "B", "C", "F"])
    }

    @Test func mainlineOrderingPutsOlderPowerLevelsFirst() async throws {
        // Mainline P2 -> P1 -> P0. x hangs off P0, y off P2, z off P1, w off nothing in the mainline.
        let graph = events([
            event("P0"), event("P1", auth: ["P0"]), event("P2", auth: ["P1"]),
            event("x", auth: ["P0"], type: "m.room.topic", ts: 9), event("y", auth: ["P2"], type: "m.room.topic", ts: 1),
            event("z", auth: ["P1"], type: "m.room.topic", ts: 1), event("Q", type: "m.room.power_levels"),
            event("w", auth: ["Q"], type: "m.room.topic", ts: 50),
        ])
        let sorted = try await MainlineOrdering.sorted(["y", "z", "x", "w"], powerLevelsId: "P2", events: graph)
        #expect(sorted == ["w", "x", "z", "y"])
    }

    @Test func sha1KnownAnswers() {
        func hex(_ text: String) -> String {
            SHA1.digest(text.utf8).map { byte in
                let digits = Array("0123456789abcdef")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
            }.joined()
        }
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hex(String(repeating: "a", count: 1000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }
}
