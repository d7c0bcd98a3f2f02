/// Matching shared by the filter types: an include list where nil means everything and an empty
/// list nothing, and an exclude list that wins over it.
enum FilterMatching {
    /// `value` is nil for what has none (account data has no sender, presence no room): it passes
    /// every exclude list and no include list, as in Synapse.
    static func allows(_ value: String?, include: [String]?, exclude: [String]?) -> Bool {
        guard let value else { return include == nil }
        if let exclude, exclude.contains(value) { return false }
        if let include { return include.contains(value) }
        return true
    }

    /// Event types: as above, with `*` standing for any sequence of characters.
    static func allowsType(_ type: String, include: [GlobPattern]?, exclude: [GlobPattern]?) -> Bool {
        if let exclude, exclude.contains(where: { $0.matches(type) }) { return false }
        if let include { return include.contains { $0.matches(type) } }
        return true
    }

    static func typePatterns(_ types: [String]?) -> [GlobPattern]? {
        types?.map { GlobPattern($0, questionMarkIsWildcard: false) }
    }
}
