/// The authorization rules of room versions 1 to 12 (rooms/v1.md ... v12.md, "Authorization rules";
/// server-server API, "Checks performed on receipt of a PDU"), as one entry point.
///
/// What is NOT checked here, by design:
/// - Signatures and hashes, including v8+ rule "the event is validly signed by the homeserver of
///   `join_authorised_via_users_server`": the pipeline verifies signatures before the rules run.
/// - Which `auth_events` an event lists (rules 2.1-2.3, in v12 3.1-3.3: duplicates, entries
///   outside the selection, rejected entries): `checkAuthEventsSelection` does that against the
///   listed events themselves. `check` does apply rules 2.4 and 2.5 to what `state` returns.
/// - Event format: events are assumed to have passed the room version's format checks.
/// - That the state holds only accepted events: rejected events must not be in it.
public enum AuthRules {
    /// Whether `event` is authorized by the state `state` gives.
    ///
    /// - Parameters:
    ///   - event: the event to authorize; its `roomVersion` chooses the rules.
    ///   - state: the state the rules consult, by state tuple: either the event's auth events keyed
    ///     by their state tuples, or the room state before the event (the pipeline checks both), or
    ///     the current state (soft failure). It must return the `m.room.create` event for
    ///     `(m.room.create, "")` in every room version, including v12 where the create event is not
    ///     among the auth events: there the caller resolves it from the event's `room_id` (an
    ///     accepted create event whose ID is the room ID with `$` for `!`; `check` verifies the match).
    ///     `authStateTuples(for:)` lists every tuple the rules may ask for.
    public static func check(_ event: PDU, state: (StateTuple) -> PDU?) -> AuthDecision {
        let numbers = AuthRuleNumbers(event.roomVersion)
        if event.type == RuleEventType.create {
            return CreateEventRules.check(event, numbers: numbers)
        }
        let version = event.roomVersion
        guard let create = state(StateTuple(type: RuleEventType.create, stateKey: "")) else {
            return version.createEventInAuthEvents
                ? numbers.reject(
                    numbers.authEvents, 4, because: "there is no m.room.create event among the auth events")
                : numbers.reject(numbers.roomID, because: "the room's m.room.create event is not known")
        }
        if version.roomIDFromCreateEvent {
            // The room ID is the create event's ID with `!` for `$`.
            let expected = create.eventId.hasPrefix("$") ? "!" + create.eventId.dropFirst() : nil
            guard let expected, event.roomId == expected else {
                return numbers.reject(
                    numbers.roomID,
                    because: "room ID \(event.roomId ?? "(none)") is not that of create event \(create.eventId)")
            }
        }
        for tuple in authStateTuples(for: event) {
            guard let authEvent = state(tuple) else { continue }
            guard authEvent.roomId == event.roomId else {
                return numbers.reject(
                    numbers.authEvents, 5,
                    because: "auth event \(authEvent.eventId) belongs to room \(authEvent.roomId ?? "(none)")")
            }
        }

        return withoutActuallyEscaping(state) { state in
            afterAuthEvents(AuthContext(event: event, create: create, numbers: numbers, state: state))
        }
    }

    /// Rule 3 (v12: 4) onwards.
    private static func afterAuthEvents(_ context: AuthContext) -> AuthDecision {
        let event = context.event
        let create = context.create
        let numbers = context.numbers
        let version = event.roomVersion
        // Only a literal `true` (or no key) federates, as Synapse reads `m.federate`.
        let federates = create.content["m.federate"].map { $0 == .bool(true) } ?? true
        if !federates, matrixIDDomain(event.sender) != matrixIDDomain(create.sender) {
            return numbers.reject(
                numbers.federate, because: "the room does not federate and \(event.sender) is from another server")
        }
        // Synapse also refuses membership for a user of another server in such a room (an invite from a
        // local user, say); the spec is silent, and agreeing on room state matters more.
        if !federates, event.type == RuleEventType.member, let target = event.stateKey,
            matrixIDDomain(target) != matrixIDDomain(create.sender)
        {
            return numbers.reject(
                numbers.federate, because: "the room does not federate and \(target) is from another server")
        }
        if version.specialCaseAliasesAuth, event.type == RuleEventType.aliases {
            return aliasesRule(context)
        }
        if event.type == RuleEventType.member {
            return MembershipRules.check(context)
        }
        return afterMembership(context)
    }

    /// v1-v5 rule 4: a server may set the aliases under its own name, member or not.
    private static func aliasesRule(_ context: AuthContext) -> AuthDecision {
        let numbers = context.numbers
        guard let stateKey = context.event.stateKey else {
            return numbers.reject(numbers.aliases, 1, because: "m.room.aliases has no state_key")
        }
        guard let domain = matrixIDDomain(context.event.sender), domain == stateKey else {
            return numbers.reject(numbers.aliases, 2, because: "the sender's server is not the state_key \(stateKey)")
        }
        return .allow
    }

    /// The rules every non-member event goes through, from "the sender must be joined" on.
    private static func afterMembership(_ context: AuthContext) -> AuthDecision {
        let event = context.event
        let numbers = context.numbers
        let sender = event.sender
        guard context.membership(of: sender) == .join else {
            return numbers.reject(numbers.senderJoined, because: "\(sender) is not joined to the room")
        }
        let levels = context.powerLevels
        let senderLevel = levels.userLevel(sender)
        if event.type == RuleEventType.thirdPartyInvite {
            return levels.canInvite(sender)
                ? .allow
                : numbers.reject(
                    numbers.thirdPartyInvite, 1,
                    because: "\(sender) has level \(senderLevel), below the invite level \(levels.invite)")
        }
        let required = levels.eventLevel(type: event.type, isState: event.isState)
        guard senderLevel >= .finite(required) else {
            return numbers.reject(
                numbers.requiredLevel,
                because: "\(sender) has level \(senderLevel), below the \(required) that \(event.type) requires")
        }
        if let stateKey = event.stateKey, stateKey.hasPrefix("@"), stateKey != sender {
            return numbers.reject(numbers.stateKeyUser, because: "state_key \(stateKey) is another user's")
        }
        if event.type == RuleEventType.powerLevels {
            return PowerLevelsEventRules.check(context)
        }
        if event.roomVersion.redactionAuthRule, event.type == RuleEventType.redaction {
            return redactionRule(context)
        }
        return .allow
    }

    /// v1, v2 rule 11: redacting needs the redact level, unless the redaction comes from the server
    /// that sent the redacted event (compared by event ID domains, which these versions carry).
    private static func redactionRule(_ context: AuthContext) -> AuthDecision {
        let event = context.event
        if context.powerLevels.canRedact(event.sender) { return .allow }
        // A redaction that names no event redacts nothing; Synapse lets it through, so must we.
        guard let redacts = event.redacts else { return .allow }
        if let domain = matrixIDDomain(redacts), domain == matrixIDDomain(event.eventId) {
            return .allow
        }
        return context.numbers.reject(
            context.numbers.redaction, 3,
            because: "\(event.sender) is below the redact level and the redacted event is from another server")
    }
}

/// The event types the auth rules know by name.
enum RuleEventType {
    static let create = "m.room.create"
    static let member = "m.room.member"
    static let joinRules = "m.room.join_rules"
    static let powerLevels = "m.room.power_levels"
    static let thirdPartyInvite = "m.room.third_party_invite"
    static let aliases = "m.room.aliases"
    static let redaction = "m.room.redaction"
}
