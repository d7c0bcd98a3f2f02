/// A user's push rules by kind, each kind in priority order (the `global` ruleset of the push rules API
/// and of the `m.push_rules` account data).
public struct PushRuleSet: Sendable, Hashable {
    public private(set) var rules: [PushRuleKind: [PushRule]]

    public init(_ rules: [PushRule] = []) {
        var byKind: [PushRuleKind: [PushRule]] = [:]
        for rule in rules { byKind[rule.kind, default: []].append(rule) }
        self.rules = byKind
    }

    public subscript(kind: PushRuleKind) -> [PushRule] { rules[kind] ?? [] }

    /// Every rule in the order they are checked: kinds in spec order, each kind in its own order.
    public var ordered: [PushRule] { PushRuleKind.allCases.flatMap { self[$0] } }

    /// The rule with this kind and ID.
    public func rule(_ kind: PushRuleKind, _ ruleId: String) -> PushRule? {
        self[kind].first { $0.ruleId == ruleId }
    }

    /// The ruleset as JSON: one array per kind, every kind present (empty ones too, as clients expect).
    public var json: JSONObject {
        var object: JSONObject = [:]
        for kind in PushRuleKind.allCases { object[kind.rawValue] = .array(self[kind].map { .object($0.json) }) }
        return object
    }

    /// A ruleset from JSON; malformed rules are left out.
    public init(json: JSONObject) {
        var rules: [PushRule] = []
        for kind in PushRuleKind.allCases {
            for entry in json[kind.rawValue]?.arrayValue ?? [] {
                if let object = entry.objectValue, let rule = PushRule(kind: kind, json: object) { rules.append(rule) }
            }
        }
        self.init(rules)
    }
}
