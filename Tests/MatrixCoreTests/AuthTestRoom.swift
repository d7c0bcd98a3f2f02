import MatrixCore
import Testing

/// Users the auth tests use, each on their own server.
enum Users {
    static let alice = "@alice:a.example"
    static let bob = "@bob:b.example"
    static let carol = "@carol:c.example"
    static let dave = "@dave:d.example"
}

/// A room for auth rule tests: PDU factories plus a state map that `check` reads. Event IDs are
/// made up (`$eN:server` in v1/v2, `$eN` after); signatures are never checked by the rules.
struct TestRoom {
    let version: RoomVersion
    let create: PDU
    let roomID: String
    private(set) var state: [StateTuple: PDU] = [:]
    private var counter = 0

    /// A room whose create event alone is in the state.
    init(version: RoomVersion, creator: String = Users.alice, createContent: JSONObject = [:]) {
        self.version = version
        var content = createContent
        content["room_version"] = content["room_version"] ?? .string(version.identifier)
        if !version.implicitRoomCreator, content["creator"] == nil { content["creator"] = .string(creator) }
        var json: JSONObject = [
            "type": "m.room.create", "state_key": "", "sender": .string(creator), "content": .object(content),
            "prev_events": [], "auth_events": [], "depth": 1,
        ]
        let createID: String
        if version.roomIDFromCreateEvent {
            createID = "$create-hash-v\(version.identifier)"
            roomID = "!" + createID.dropFirst()
        } else {
            createID = version.eventIDIsHash ? "$create" : "$create:a.example"
            roomID = "!room:a.example"
            json["room_id"] = .string(roomID)
        }
        create = PDU(eventId: createID, roomVersion: version, json: json)
        state[StateTuple(type: "m.room.create", stateKey: "")] = create
    }

    /// The usual room: alice creates it, joins, sets power levels and the join rule (each checked
    /// by the rules). Before v12 alice is listed at 100; in v12 she is a creator and cannot be.
    static func standard(
        _ version: RoomVersion, joinRule: String = "public", users: JSONObject = [:],
        powerLevels extra: JSONObject = [:], createContent: JSONObject = [:]
    ) -> TestRoom {
        var room = TestRoom(version: version, createContent: createContent)
        room.mustSend(room.member(Users.alice, "join", prevEvents: [room.create.eventId]))
        var userLevels = users
        if !version.privilegedCreators, userLevels[Users.alice] == nil { userLevels[Users.alice] = 100 }
        var content = extra
        content["users"] = .object(userLevels)
        room.mustSend(room.event("m.room.power_levels", sender: Users.alice, stateKey: "", content: content))
        room.mustSend(
            room.event(
                "m.room.join_rules", sender: Users.alice, stateKey: "", content: ["join_rule": .string(joinRule)]))
        return room
    }

    /// A new event of this room.
    mutating func event(
        _ type: String, sender: String, stateKey: String? = nil, content: JSONObject = [:],
        prevEvents: [String]? = nil, extra: JSONObject = [:]
    ) -> PDU {
        counter += 1
        let server = sender.split(separator: ":", maxSplits: 1).last.map(String.init) ?? "a.example"
        let id = version.eventIDIsHash ? "$e\(counter)-v\(version.identifier)" : "$e\(counter):\(server)"
        var json: JSONObject = [
            "type": .string(type), "sender": .string(sender), "room_id": .string(roomID), "content": .object(content),
            "prev_events": .array((prevEvents ?? ["$previous"]).map(JSONValue.string)),
            "depth": .int(Int64(counter + 1)),
        ]
        if let stateKey { json["state_key"] = .string(stateKey) }
        json["auth_events"] = .array(
            AuthRules.authStateTuples(for: PDU(eventId: id, roomVersion: version, json: json))
                .compactMap { state[$0].map { .string($0.eventId) } })
        for (key, value) in extra { json[key] = value }
        return PDU(eventId: id, roomVersion: version, json: json)
    }

    /// An `m.room.member` event; `sender` defaults to the target.
    mutating func member(
        _ target: String, _ membership: String, sender: String? = nil, content: JSONObject = [:],
        prevEvents: [String]? = nil
    ) -> PDU {
        var content = content
        content["membership"] = .string(membership)
        return event(
            "m.room.member", sender: sender ?? target, stateKey: target, content: content, prevEvents: prevEvents)
    }

    func check(_ event: PDU) -> AuthDecision {
        AuthRules.check(event) { state[$0] }
    }

    /// Checks the event and, when allowed and state, applies it.
    @discardableResult
    mutating func send(_ event: PDU) -> AuthDecision {
        let decision = check(event)
        if decision == .allow, let tuple = event.stateTuple { state[tuple] = event }
        return decision
    }

    /// Sends an event the test relies on, recording an issue if the rules refuse it.
    mutating func mustSend(_ event: PDU, sourceLocation: SourceLocation = #_sourceLocation) {
        let decision = send(event)
        #expect(
            decision == .allow, "setup event \(event.type) \(event.stateKey ?? "") refused",
            sourceLocation: sourceLocation)
    }

    /// Puts an event into the state without checking it (for states the rules could not reach).
    mutating func force(_ event: PDU) {
        if let tuple = event.stateTuple { state[tuple] = event }
    }

    /// Joins `user` through a temporary public join rule, then restores the join rule.
    mutating func join(_ user: String) {
        let rules = state[StateTuple(type: "m.room.join_rules", stateKey: "")]
        force(event("m.room.join_rules", sender: Users.alice, stateKey: "", content: ["join_rule": "public"]))
        mustSend(member(user, "join"))
        if let rules { force(rules) }
    }
}

/// Expects a rejection whose reason mentions `phrase` (and, when given, starts with `rule`).
func expectReject(
    _ decision: AuthDecision, _ phrase: String, rule: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let reason = decision.reason else {
        Issue.record("expected a rejection mentioning \"\(phrase)\", got allow", sourceLocation: sourceLocation)
        return
    }
    #expect(reason.contains(phrase), "reason: \(reason)", sourceLocation: sourceLocation)
    if let rule {
        #expect(reason.hasPrefix("rule \(rule):"), "reason: \(reason)", sourceLocation: sourceLocation)
    }
}

func expectAllow(_ decision: AuthDecision, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(decision == .allow, "\(decision)", sourceLocation: sourceLocation)
}

extension RoomVersion {
    /// Versions by number, for argument tables.
    static func versions(_ range: ClosedRange<Int>) -> [RoomVersion] {
        range.compactMap { RoomVersion.named(String($0)) }
    }
}
