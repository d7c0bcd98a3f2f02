/// The `m.room.member` rule (rule 5 in v1-v5 and v12, rule 4 in v6-v11): joins, invites, leaves,
/// bans and (v7+) knocks.
enum MembershipRules {
    static func check(_ context: AuthContext) -> AuthDecision {
        let numbers = context.numbers
        guard let target = context.event.stateKey, let membership = context.event.membership else {
            return numbers.reject(numbers.member, 1, because: "the member event has no state_key or no membership")
        }
        // v8+ rule .2 (signature of the authorising server) is the signature checker's.
        switch Membership(rawValue: membership) {
        case .join?: return join(context, target: target)
        case .invite?: return invite(context, target: target)
        case .leave?: return leave(context, target: target)
        case .ban?: return ban(context, target: target)
        case .knock? where context.event.roomVersion.knocking: return knock(context, target: target)
        default:
            return numbers.reject(
                numbers.member, numbers.memberUnknown, because: "unknown membership \"\(membership)\"")
        }
    }

    private static func join(_ context: AuthContext, target: String) -> AuthDecision {
        let event = context.event
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberJoin, sub, because: reason)
        }
        // The creator's own join right after the create event, before any join rules exist.
        if event.prevEvents == [context.create.eventId], let creator = context.creators.primary, target == creator {
            return .allow
        }
        guard event.sender == target else { return reject(2, "\(event.sender) cannot join \(target) to the room") }
        let current = context.membership(of: target)
        guard current != .ban else { return reject(3, "\(target) is banned") }

        let version = event.roomVersion
        let joinRule = context.joinRule
        if joinRule == "invite" || (version.knocking && joinRule == "knock") {
            return current == .invite || current == .join
                ? .allow : reject(4, "the join rule is \(joinRule) and \(target) is not invited")
        }
        if (version.restrictedJoins && joinRule == "restricted")
            || (version.knockRestricted && joinRule == "knock_restricted")
        {
            if current == .invite || current == .join { return .allow }
            guard let authoriser = event.content["join_authorised_via_users_server"]?.stringValue else {
                return reject(5, "the join rule is \(joinRule) and no join_authorised_via_users_server is given")
            }
            guard context.membership(of: authoriser) == .join else {
                return reject(5, "the authorising user \(authoriser) is not joined to the room")
            }
            guard context.powerLevels.canInvite(authoriser) else {
                return reject(5, "the authorising user \(authoriser) may not invite")
            }
            return .allow
        }
        if joinRule == "public" { return .allow }
        return reject(numbers.joinPublic + 1, "the join rule \(joinRule) does not let \(target) join")
    }

    private static func invite(_ context: AuthContext, target: String) -> AuthDecision {
        let event = context.event
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberInvite, sub, because: reason)
        }
        if let thirdPartyInvite = event.content["third_party_invite"] {
            return ThirdPartyInviteRules.check(context, target: target, thirdPartyInvite: thirdPartyInvite)
        }
        let sender = event.sender
        guard context.membership(of: sender) == .join else { return reject(2, "\(sender) is not joined to the room") }
        let current = context.membership(of: target)
        guard current != .join, current != .ban else { return reject(3, "\(target) is already \(current.rawValue)") }
        let levels = context.powerLevels
        guard levels.canInvite(sender) else {
            return reject(5, "\(sender) has level \(levels.userLevel(sender)), below the invite level \(levels.invite)")
        }
        return .allow
    }

    private static func leave(_ context: AuthContext, target: String) -> AuthDecision {
        let event = context.event
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberLeave, sub, because: reason)
        }
        let sender = event.sender
        let current = context.membership(of: target)
        if sender == target {
            // Leaving, or turning down an invite (or, v7+, withdrawing a knock).
            let canLeave = current == .join || current == .invite || (event.roomVersion.knocking && current == .knock)
            return canLeave ? .allow : reject(1, "\(target) cannot leave from \(current.rawValue)")
        }
        guard context.membership(of: sender) == .join else { return reject(2, "\(sender) is not joined to the room") }
        let levels = context.powerLevels
        let senderLevel = levels.userLevel(sender)
        if current == .ban, senderLevel < .finite(levels.ban) {
            return reject(3, "\(sender) has level \(senderLevel), below the ban level \(levels.ban) needed to unban")
        }
        guard levels.canKick(sender, target: target) else {
            return reject(
                5,
                "\(sender) (level \(senderLevel)) cannot kick \(target) (level \(levels.userLevel(target))) "
                    + "with kick level \(levels.kick)")
        }
        return .allow
    }

    private static func ban(_ context: AuthContext, target: String) -> AuthDecision {
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberBan, sub, because: reason)
        }
        let sender = context.event.sender
        guard context.membership(of: sender) == .join else { return reject(1, "\(sender) is not joined to the room") }
        let levels = context.powerLevels
        guard levels.canBan(sender, target: target) else {
            return reject(
                3,
                "\(sender) (level \(levels.userLevel(sender))) cannot ban \(target) "
                    + "(level \(levels.userLevel(target))) with ban level \(levels.ban)")
        }
        return .allow
    }

    private static func knock(_ context: AuthContext, target: String) -> AuthDecision {
        let event = context.event
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberKnock, sub, because: reason)
        }
        let joinRule = context.joinRule
        guard joinRule == "knock" || (event.roomVersion.knockRestricted && joinRule == "knock_restricted") else {
            return reject(1, "the join rule \(joinRule) does not allow knocking")
        }
        guard event.sender == target else { return reject(2, "\(event.sender) cannot knock for \(target)") }
        let current = context.membership(of: target)
        guard current != .ban, current != .invite, current != .join else {
            return reject(4, "\(target) is already \(current.rawValue)")
        }
        return .allow
    }
}
