/// The kinds of push rule, in the order they are checked (push module, "Push Rules").
public enum PushRuleKind: String, Sendable, Hashable, CaseIterable {
    case override
    case content
    case room
    case sender
    case underride
}
