/// The `is` parameter of a `room_member_count` condition: a decimal integer optionally prefixed by
/// `==`, `<`, `>`, `<=` or `>=` (no prefix means `==`).
public struct RoomMemberCountBound: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "=="
        case less = "<"
        case greater = ">"
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
    }

    public let comparison: Comparison
    public let count: Int64

    public init(_ comparison: Comparison, _ count: Int64) {
        self.comparison = comparison
        self.count = count
    }

    /// Nil for text that is not an optional prefix and a decimal integer (the condition then never matches).
    public init?(parsing text: String) {
        // Two-character prefixes first, so "<=" is not read as "<" and "=...".
        let prefixes: [(String, Comparison)] = [("==", .equal), ("<=", .lessOrEqual), (">=", .greaterOrEqual),
                                                 ("<", .less), (">", .greater)]
        var comparison = Comparison.equal
        var digits = Substring(text)
        for (prefix, kind) in prefixes where digits.hasPrefix(prefix) {
            comparison = kind
            digits = digits.dropFirst(prefix.count)
            break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int64(digits) else {
            return nil
        }
        self.init(comparison, count)
    }

    /// Written without the default `==`, as the spec's default rules write it ("2").
    public var description: String { comparison == .equal ? "\(count)" : "\(comparison.rawValue)\(count)" }

    public func matches(_ memberCount: Int64) -> Bool {
        switch comparison {
        case .equal: return memberCount == count
        case .less: return memberCount < count
        case .greater: return memberCount > count
        case .lessOrEqual: return memberCount <= count
        case .greaterOrEqual: return memberCount >= count
        }
    }
}
