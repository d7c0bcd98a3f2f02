/// One push rule (push module, "Push Rules"; the `PushRule` object of the push rules API). Server-default
/// rules have IDs starting with a dot.
public struct PushRule: Sendable, Hashable {
    public let kind: PushRuleKind
    public let ruleId: String
    /// A server-default rule.
    public let isDefault: Bool
    public var enabled: Bool
    /// `override` and `underride` rules; nil for the other kinds.
    public let conditions: [PushCondition]?
    /// `content` rules: the glob matched within the words of `content.body`.
    public let pattern: String?
    public var actions: [PushAction]

    public init(kind: PushRuleKind, ruleId: String, isDefault: Bool = false, enabled: Bool = true,
                conditions: [PushCondition]? = nil, pattern: String? = nil, actions: [PushAction]) {
        self.kind = kind
        self.ruleId = ruleId
        self.isDefault = isDefault
        self.enabled = enabled
        self.conditions = conditions
        self.pattern = pattern
        self.actions = actions
    }

    /// A rule as the push rules API and `m.push_rules` write it; nil when a required member is missing
    /// or of the wrong type. Historical actions are dropped.
    public init?(kind: PushRuleKind, json: JSONObject) {
        guard let ruleId = json["rule_id"]?.stringValue, let actions = json["actions"]?.arrayValue else { return nil }
        var conditions: [PushCondition]? = nil
        if let list = json["conditions"]?.arrayValue {
            let objects = list.compactMap(\.objectValue)
            guard objects.count == list.count else { return nil }
            conditions = objects.map(PushCondition.init(json:))
        }
        let pattern = json["pattern"]?.stringValue
        if kind == .content, pattern == nil { return nil }
        self.init(kind: kind, ruleId: ruleId, isDefault: json["default"]?.boolValue ?? false,
                  enabled: json["enabled"]?.boolValue ?? true, conditions: conditions, pattern: pattern,
                  actions: PushAction.list(json: actions))
    }

    public var json: JSONObject {
        var object: JSONObject = [
            "rule_id": .string(ruleId), "default": .bool(isDefault), "enabled": .bool(enabled),
            "actions": .array(actions.map(\.json)),
        ]
        if let conditions { object["conditions"] = .array(conditions.map { .object($0.json) }) }
        if let pattern { object["pattern"] = .string(pattern) }
        return object
    }

    /// The conditions the rule stands for: its own for `override` and `underride`; for `room` and
    /// `sender` rules, the room or sender its ID names; for `content` rules, its pattern on the body.
    public var effectiveConditions: [PushCondition] {
        switch kind {
        case .override, .underride: return conditions ?? []
        case .room: return [.eventMatch(key: "room_id", pattern: ruleId)]
        case .sender: return [.eventMatch(key: "sender", pattern: ruleId)]
        case .content: return pattern.map { [.eventMatch(key: "content.body", pattern: $0)] } ?? []
        }
    }
}
