/// Auth events selection (server-server API, "Auth events selection") and the auth rule that checks
/// an event's `auth_events` against it (rule 2, in v12 rule 3).
extension AuthRules {
    /// The state tuples an event's `auth_events` may be drawn from, without duplicates: the create
    /// event (not in v12), the power levels, the sender's member event, and for `m.room.member` the
    /// target's member event, the join rules (join, invite, knock), the third-party invite of an
    /// invite's signed token, and (v8+ joins) the member event of `join_authorised_via_users_server`.
    /// Empty for a create event. This is also every tuple `check` may ask its `state` for, apart from
    /// v12's create event.
    public static func authStateTuples(for event: PDU) -> [StateTuple] {
        guard event.type != RuleEventType.create else { return [] }
        let version = event.roomVersion
        var tuples: [StateTuple] = []
        func add(_ type: String, _ stateKey: String) {
            let tuple = StateTuple(type: type, stateKey: stateKey)
            if !tuples.contains(tuple) { tuples.append(tuple) }
        }
        if version.createEventInAuthEvents { add(RuleEventType.create, "") }
        add(RuleEventType.powerLevels, "")
        add(RuleEventType.member, event.sender)
        guard event.type == RuleEventType.member else { return tuples }
        if let target = event.stateKey { add(RuleEventType.member, target) }
        let membership = event.membership.flatMap(Membership.init(rawValue:))
        if membership == .join || membership == .invite || membership == .knock {
            add(RuleEventType.joinRules, "")
        }
        if membership == .invite, let token = event.content["third_party_invite"]?["signed"]?["token"]?.stringValue {
            add(RuleEventType.thirdPartyInvite, token)
        }
        if membership == .join, version.restrictedJoins,
            let authoriser = event.content["join_authorised_via_users_server"]?.stringValue
        {
            add(RuleEventType.member, authoriser)
        }
        return tuples
    }

    /// Checks an event's `auth_events` against the events they name: no two for one state tuple,
    /// none outside `authStateTuples(for:)` (in v12 no create event), none rejected, a create event
    /// among them before v12, and all in the event's room.
    ///
    /// - Parameters:
    ///   - authEvents: the events `event.authEvents` names (order does not matter; extra events are
    ///     ignored). A named event that is missing is a rejection: the caller fetches what it can first.
    ///   - isRejected: whether an auth event was itself rejected (rule 2.3); the caller knows.
    /// A create event is allowed here: rule 1 decides it before this rule applies.
    public static func checkAuthEventsSelection(
        _ event: PDU, authEvents: [PDU], isRejected: (PDU) -> Bool = { _ in false }
    ) -> AuthDecision {
        guard event.type != RuleEventType.create else { return .allow }
        let numbers = AuthRuleNumbers(event.roomVersion)
        let rule = numbers.authEvents
        var byID: [String: PDU] = [:]
        for authEvent in authEvents where byID[authEvent.eventId] == nil { byID[authEvent.eventId] = authEvent }

        var listed: [(id: String, event: PDU, tuple: StateTuple)] = []
        var seen: Set<StateTuple> = []
        for id in event.authEvents {
            guard let authEvent = byID[id] else {
                return numbers.reject(rule, because: "auth event \(id) is not available")
            }
            guard let tuple = authEvent.stateTuple else {
                return numbers.reject(rule, 2, because: "auth event \(id) is not a state event")
            }
            guard seen.insert(tuple).inserted else {
                return numbers.reject(rule, 1, because: "two auth events for \(tuple)")
            }
            listed.append((id, authEvent, tuple))
        }
        let allowed = Set(authStateTuples(for: event))
        for entry in listed where !allowed.contains(entry.tuple) {
            let why =
                entry.tuple.type == RuleEventType.create
                ? "must not be selected in this room version" : "is not in the selection"
            return numbers.reject(rule, 2, because: "auth event \(entry.id) for \(entry.tuple) \(why)")
        }
        for entry in listed where isRejected(entry.event) {
            return numbers.reject(rule, 3, because: "auth event \(entry.id) was rejected")
        }
        if event.roomVersion.createEventInAuthEvents, !listed.contains(where: { $0.tuple.type == RuleEventType.create }) {
            return numbers.reject(rule, 4, because: "there is no m.room.create event among the auth events")
        }
        for entry in listed where entry.event.roomId != event.roomId {
            return numbers.reject(
                rule, 5, because: "auth event \(entry.id) belongs to room \(entry.event.roomId ?? "(none)")")
        }
        return .allow
    }
}
