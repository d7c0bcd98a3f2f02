/// A glob (appendices, "Glob-style matching"): `*` matches zero or more characters and, where the
/// user of the glob allows it, `?` matches exactly one. Filters' event types use only `*`; server
/// ACLs use both and compare case-insensitively. Characters are Unicode scalars, as Synapse's
/// regular expressions count them.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    public let questionMarkIsWildcard: Bool
    public let caseInsensitive: Bool
    let scalars: [Unicode.Scalar]

    public init(_ pattern: String, questionMarkIsWildcard: Bool = true, caseInsensitive: Bool = false) {
        self.pattern = pattern
        self.questionMarkIsWildcard = questionMarkIsWildcard
        self.caseInsensitive = caseInsensitive
        scalars = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
    }

    public var description: String { pattern }

    /// Whether the pattern has no wildcard, so matching is plain equality.
    public var isLiteral: Bool {
        !scalars.contains { $0 == "*" || (questionMarkIsWildcard && $0 == "?") }
    }

    public func matches(_ text: String) -> Bool {
        let text = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        // Iterative matching that backtracks only to the latest `*`: O(pattern × text) at worst, so a
        // hostile pattern such as `*a*a*a*b` cannot blow up as a backtracking regex would.
        var p = 0
        var t = 0
        var starP: Int? = nil
        var starT = 0
        while t < text.count {
            if p < scalars.count, scalars[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if p < scalars.count, scalars[p] == text[t] || (questionMarkIsWildcard && scalars[p] == "?") {
                p += 1
                t += 1
            } else if let star = starP {
                p = star + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
