/// The outcome of a user's push rules for one event: the first matching rule and its actions.
public struct PushEvaluation: Sendable, Hashable {
    /// The rule that decided, or nil when none matched (then nothing notifies).
    public let ruleId: String?
    public let actions: [PushAction]

    public init(ruleId: String?, actions: [PushAction]) {
        self.ruleId = ruleId
        self.actions = actions
    }

    public static let none = PushEvaluation(ruleId: nil, actions: [])

    public var notify: Bool { actions.notifies }
    /// Highlighted, which only counts for an event that notifies.
    public var highlight: Bool { notify && actions.highlights }
}
