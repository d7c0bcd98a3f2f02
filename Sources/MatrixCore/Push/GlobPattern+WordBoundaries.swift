extension GlobPattern {
    /// Whether the glob matches some part of `text` that starts and ends at a word boundary: the start
    /// or end of the text, or next to a character outside `[A-Za-z0-9_]` (push rules' `content.body`
    /// matching and content rules). `*` may span several words ("ex*ple" matches "exciting triple").
    public func matchesAtWordBoundaries(_ text: String) -> Bool {
        Self.findAtWordBoundaries(scalars, in: text, caseInsensitive: caseInsensitive, wildcards: true,
                                  questionMarkIsWildcard: questionMarkIsWildcard)
    }

    /// Whether `needle`, taken literally (no wildcards), occurs in `text` between word boundaries,
    /// ignoring case (the `contains_display_name` condition: a display name is not a glob).
    public static func containsWord(_ needle: String, in text: String) -> Bool {
        guard !needle.isEmpty else { return false }
        return findAtWordBoundaries(Array(needle.lowercased().unicodeScalars), in: text, caseInsensitive: true,
                                    wildcards: false, questionMarkIsWildcard: false)
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_": return true
        default: return false
        }
    }

    /// One left-to-right pass that simulates the glob as a set of pattern positions: a new attempt
    /// starts at every word-start, and a match counts when the whole pattern is consumed at a word end.
    /// O(text × pattern), so a long body and a hostile pattern stay cheap (no backtracking).
    private static func findAtWordBoundaries(
        _ pattern: [Unicode.Scalar], in text: String, caseInsensitive: Bool, wildcards: Bool,
        questionMarkIsWildcard: Bool
    ) -> Bool {
        let text = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        let end = pattern.count
        func isStar(_ p: Int) -> Bool { wildcards && p < end && pattern[p] == "*" }
        // Adds p and, past any stars, the positions they can skip to.
        func addClosure(_ p: Int, to active: inout [Bool]) {
            var p = p
            while true {
                active[p] = true
                guard isStar(p) else { return }
                p += 1
            }
        }
        var active = [Bool](repeating: false, count: end + 1)
        for index in 0...text.count {
            let atWordStart = index == 0 || !isWordScalar(text[index - 1])
            if atWordStart { addClosure(0, to: &active) }
            let atWordEnd = index == text.count || !isWordScalar(text[index])
            if atWordEnd, active[end] { return true }
            guard index < text.count else { break }
            let scalar = text[index]
            var next = [Bool](repeating: false, count: end + 1)
            var any = false
            for p in 0..<end where active[p] {
                if isStar(p) {
                    addClosure(p, to: &next)
                    any = true
                } else if pattern[p] == scalar || (wildcards && questionMarkIsWildcard && pattern[p] == "?") {
                    addClosure(p + 1, to: &next)
                    any = true
                }
            }
            active = any ? next : [Bool](repeating: false, count: end + 1)
        }
        return false
    }
}
