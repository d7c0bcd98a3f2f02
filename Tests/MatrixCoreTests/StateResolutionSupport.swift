@testable import MatrixCore

// Test support for the state resolution tests: an in-memory event store, a room graph builder in the
// style of Synapse's `tests/state/test_v2.py`, and just enough of the authorisation rules for the
// scenarios. `TestAuthRules` is NOT the real auth rules: the shared `AuthRules.check` replaces it
// when it is merged; it covers membership, power levels and join rules only.

struct MemoryLookup: StateResolutionLookup {
    var events: [String: PDU] = [:]
    var rejected: Set<String> = []
    func event(_ id: String) async throws -> PDU? { events[id] }
    func isRejected(_ id: String) async throws -> Bool { rejected.contains(id) }
}

let alice = "@alice:example.com"
let bob = "@bob:example.com"
let charlie = "@charlie:example.com"
let evelyn = "@evelyn:example.com"
let zara = "@zara:example.com"

enum TestAuthRules {
    static let check: StateResolution.AuthCheck = { event, state in allowed(event, state) }

    static func allowed(_ event: PDU, _ state: (StateTuple) -> PDU?) -> Bool {
        if event.type == "m.room.create" { return true }
        guard let create = state(StateTuple(type: "m.room.create", stateKey: "")) else { return false }
        let powerLevels = state(StateTuple(type: "m.room.power_levels", stateKey: ""))?.content
        let version = event.roomVersion

        func membership(_ user: String) -> String? { state(StateTuple(type: "m.room.member", stateKey: user))?.membership }
        func isCreator(_ user: String) -> Bool {
            if version.privilegedCreators || version.implicitRoomCreator {
                let additional = create.content["additional_creators"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return create.sender == user || (version.privilegedCreators && additional.contains(user))
            }
            return create.content["creator"]?.stringValue == user
        }
        func level(_ user: String) -> Int64 {
            if version.privilegedCreators, isCreator(user) { return .max }
            guard let powerLevels else { return isCreator(user) ? 100 : 0 }
            return powerLevels["users"]?[user]?.intValue ?? powerLevels["users_default"]?.intValue ?? 0
        }
        func required(_ name: String, _ fallback: Int64) -> Int64 { powerLevels?[name]?.intValue ?? fallback }

        let sender = event.sender
        if event.type == "m.room.member", let target = event.stateKey {
            let targetMembership = membership(target)
            switch event.membership {
            case "join":
                guard sender == target, targetMembership != "ban" else { return false }
                if targetMembership == "join" || targetMembership == "invite" { return true }
                if isCreator(sender), powerLevels == nil { return true }
                let joinRules = state(StateTuple(type: "m.room.join_rules", stateKey: ""))
                return joinRules?.content["join_rule"]?.stringValue == "public"
            case "invite":
                return membership(sender) == "join" && targetMembership != "join" && targetMembership != "ban"
                    && level(sender) >= required("invite", 0)
            case "leave":
                if sender == target { return targetMembership == "join" || targetMembership == "invite" }
                guard membership(sender) == "join" else { return false }
                if targetMembership == "ban", level(sender) < required("ban", 50) { return false }
                return level(sender) >= required("kick", 50) && level(sender) > level(target)
            case "ban":
                return membership(sender) == "join" && level(sender) >= required("ban", 50) && level(sender) > level(target)
            default:
                return false
            }
        }

        guard membership(sender) == "join" else { return false }
        let defaultLevel =
            event.isState ? required("state_default", powerLevels == nil ? 0 : 50) : required("events_default", 0)
        let needed = powerLevels?["events"]?[event.type]?.intValue ?? defaultLevel
        let senderLevel = level(sender)
        guard senderLevel >= needed else { return false }

        if event.type == "m.room.power_levels", let old = powerLevels {
            // Nobody may raise a level above their own or change the level of someone at or above it.
            let oldUsers = old["users"]?.objectValue ?? [:]
            let newUsers = event.content["users"]?.objectValue ?? [:]
            for user in Set(oldUsers.keys).union(newUsers.keys) where oldUsers[user] != newUsers[user] {
                let before = oldUsers[user]?.intValue
                let after = newUsers[user]?.intValue
                if let before, user != sender, before >= senderLevel { return false }
                if let after, after > senderLevel { return false }
            }
        }
        return true
    }
}

/// A state event (or message) of a test graph, named by a short node ID.
struct TestEvent {
    let node: String
    let sender: String
    let type: String
    let stateKey: String?
    let content: JSONObject

    init(_ node: String, _ sender: String, _ type: String, _ stateKey: String?, _ content: JSONObject = [:]) {
        self.node = node
        self.sender = sender
        self.type = type
        self.stateKey = stateKey
        self.content = content
    }

    static func member(_ node: String, _ sender: String, _ target: String, _ membership: String) -> TestEvent {
        TestEvent(node, sender, "m.room.member", target, ["membership": .string(membership)])
    }

    static func powerLevels(
        _ node: String, _ sender: String, _ users: [String: Int64], extra: JSONObject = [:]
    ) -> TestEvent {
        var content = extra
        content["users"] = .object(JSONObject(uniqueKeysWithValues: users.map { ($0.key, JSONValue.int($0.value)) }))
        return TestEvent(node, sender, "m.room.power_levels", "", content)
    }

    static func topic(_ node: String, _ sender: String) -> TestEvent {
        TestEvent(node, sender, "m.room.topic", "", ["topic": .string(node)])
    }
}

/// Builds a room DAG the way Synapse's state tests do: the initial events in a line, then the test's
/// edges; events are created in topological order (ties by node name), each with `origin_server_ts`
/// one more than the last, state before an event is the resolution of the states after its
/// `prev_events`, and auth events are picked from that state.
struct ResolutionTestRoom {
    let version: RoomVersion
    private(set) var lookup = MemoryLookup()
    private(set) var stateAfter: [String: [StateTuple: String]] = [:]
    private var nodes: [String: PDU] = [:]
    private var clock: Int64 = 0

    init(version: RoomVersion) { self.version = version }

    static func initialEvents(version: RoomVersion) -> [TestEvent] {
        let createContent: JSONObject = version.implicitRoomCreator ? [:] : ["creator": .string(alice)]
        return [
            TestEvent("CREATE", alice, "m.room.create", "", createContent),
            .member("IMA", alice, alice, "join"),
            .powerLevels("IPOWER", alice, version.privilegedCreators ? [:] : [alice: 100]),
            TestEvent("IJR", alice, "m.room.join_rules", "", ["join_rule": "public"]),
            .member("IMB", bob, bob, "join"),
            .member("IMC", charlie, charlie, "join"),
            .member("IMZ", zara, zara, "join"),
            TestEvent("START", zara, "m.room.message", nil, ["body": "start"]),
            TestEvent("END", zara, "m.room.message", nil, ["body": "end"]),
        ]
    }

    static let initialEdges = ["START", "IMZ", "IMC", "IMB", "IJR", "IPOWER", "IMA", "CREATE"]

    func id(_ node: String) -> String { version.roomIDFromCreateEvent ? "$\(node)" : "$\(node):example.com" }
    var roomId: String { version.roomIDFromCreateEvent ? "!CREATE" : "!test:example.com" }
    func event(_ node: String) -> PDU? { nodes[node] }

    /// Builds the graph; `edges` are chains like `["END", "B", "A"]` meaning END's prev is B, B's is A.
    mutating func build(_ events: [TestEvent], edges: [[String]], initial: [TestEvent]? = nil) async throws {
        let all = (initial ?? Self.initialEvents(version: version)) + events
        var byNode: [String: TestEvent] = [:]
        var prevs: [String: Set<String>] = [:]
        for event in all {
            byNode[event.node] = event
            prevs[event.node] = []
        }
        for chain in [Self.initialEdges] + edges {
            for (a, b) in zip(chain, chain.dropFirst()) { prevs[a, default: []].insert(b) }
        }

        // Topological order, smallest node name first among the ready ones.
        var remaining = prevs
        var order: [String] = []
        while !remaining.isEmpty {
            guard let next = remaining.filter({ $0.value.isEmpty }).keys.min() else { throw GraphError.cycle }
            order.append(next)
            remaining[next] = nil
            for key in remaining.keys { remaining[key]?.remove(next) }
        }

        for node in order {
            guard let spec = byNode[node] else { continue }
            let prevNodes = (prevs[node] ?? []).sorted()
            let stateBefore: [StateTuple: String]
            if prevNodes.isEmpty {
                stateBefore = [:]
            } else {
                stateBefore = try await StateResolution.resolve(
                    roomVersion: version, stateSets: prevNodes.map { stateAfter[$0] ?? [:] }, lookup: lookup,
                    authCheck: TestAuthRules.check)
            }
            var content = spec.content
            if version.privilegedCreators, spec.type == "m.room.power_levels", case .object(var users)? = content["users"] {
                // Room version 12 forbids listing creators; they have infinite power anyway.
                users[alice] = nil
                content["users"] = .object(users)
            }
            var json: JSONObject = [
                "type": .string(spec.type), "sender": .string(spec.sender), "content": .object(content),
                "origin_server_ts": .int(clock), "room_id": .string(roomId),
                "prev_events": .array(prevNodes.map { .string(id($0)) }),
                "depth": .int(1 + (prevNodes.compactMap { nodes[$0]?.depth }.max() ?? 0)),
            ]
            clock += 1
            if let stateKey = spec.stateKey { json["state_key"] = .string(stateKey) }
            if spec.type == "m.room.create", version.roomIDFromCreateEvent { json["room_id"] = nil }

            // Auth events: the auth-relevant entries of the state before (never the create event
            // from room version 12).
            let unsigned = PDU(eventId: id(node), roomVersion: version, json: json)
            var auth: [String] = []
            for key in AuthEventKeys.keys(for: unsigned) {
                if key.type == "m.room.create", version.roomIDFromCreateEvent { continue }
                if let authId = stateBefore[key], !auth.contains(authId) { auth.append(authId) }
            }
            json["auth_events"] = .array(auth.map { .string($0) })
            let pdu = PDU(eventId: id(node), roomVersion: version, json: json)
            nodes[node] = pdu
            lookup.events[pdu.eventId] = pdu

            var after = stateBefore
            if let key = pdu.stateTuple { after[key] = pdu.eventId }
            stateAfter[node] = after
        }
    }

    /// The state at END restricted to what changed since START, plus the keys of `expected`; compared
    /// with the expected node names, as Synapse's `do_check` does.
    func changedState(expected: [String]) -> (actual: [StateTuple: String], expected: [StateTuple: String]) {
        var wanted: [StateTuple: String] = [:]
        for node in expected {
            if let event = nodes[node], let key = event.stateTuple { wanted[key] = event.eventId }
        }
        let start = stateAfter["START"] ?? [:]
        let end = stateAfter["END"] ?? [:]
        let actual = end.filter { wanted[$0.key] != nil || start[$0.key] != $0.value }
        return (actual, wanted)
    }

    enum GraphError: Error { case cycle }
}
