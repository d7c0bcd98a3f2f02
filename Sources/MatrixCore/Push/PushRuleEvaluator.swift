/// Runs a user's push rules over an event (push module, "Push Rules" and "Conditions"): the first
/// enabled rule, in kind order, whose conditions all hold decides the actions. Pure: the caller gives
/// the event's JSON and the user's view of the room.
public struct PushRuleEvaluator: Sendable {
    public let rules: PushRuleSet

    public init(rules: PushRuleSet) {
        self.rules = rules
    }

    public func evaluate(_ event: JSONObject, _ context: PushEvaluationContext) -> PushEvaluation {
        // Nobody is notified of their own events.
        if event["sender"]?.stringValue == context.userId { return .none }
        // Since v1.7 the legacy body-mention rules stand down for events that say whom they mention.
        let hasMentions = event["content"]?.objectValue?["m.mentions"] != nil
        for rule in rules.ordered where rule.enabled {
            if hasMentions, rule.isDefault, PushRuleSet.legacyMentionRuleIds.contains(rule.ruleId) { continue }
            if rule.effectiveConditions.allSatisfy({ matches($0, event, context) }) {
                return PushEvaluation(ruleId: rule.ruleId, actions: rule.actions)
            }
        }
        return .none
    }

    /// Whether one condition holds for the event.
    public func matches(_ condition: PushCondition, _ event: JSONObject, _ context: PushEvaluationContext) -> Bool {
        switch condition {
        case .eventMatch(let key, let pattern):
            // Absent or not a string: no match, even for "*".
            guard let value = PropertyPath(key).value(in: event)?.stringValue else { return false }
            let glob = GlobPattern(pattern, questionMarkIsWildcard: true, caseInsensitive: true)
            return key == "content.body" ? glob.matchesAtWordBoundaries(value) : glob.matches(value)
        case .eventPropertyIs(let key, let expected):
            guard let value = PropertyPath(key).value(in: event), value.isExactMatchValue else { return false }
            return value == expected
        case .eventPropertyContains(let key, let expected):
            guard let values = PropertyPath(key).value(in: event)?.arrayValue else { return false }
            return values.contains { $0.isExactMatchValue && $0 == expected }
        case .containsDisplayName:
            guard let name = context.displayName, !name.isEmpty,
                let body = event["content"]?.objectValue?["body"]?.stringValue
            else { return false }
            return GlobPattern.containsWord(name, in: body)
        case .roomMemberCount(let bound):
            return bound.matches(context.memberCount)
        case .senderNotificationPermission(let key):
            guard let sender = event["sender"]?.stringValue else { return false }
            return context.powerLevels.canNotify(sender, key: key)
        case .unknown:
            return false
        }
    }
}
