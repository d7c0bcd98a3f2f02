/// The content of `m.room.canonical_alias`: the room's canonical alias and its alternative aliases.
public struct CanonicalAliasContent: Sendable, Hashable {
    /// Nil when `alias` is absent, null or empty (all mean "no canonical alias").
    public let alias: String?
    public let altAliases: [String]

    public init(alias: String?, altAliases: [String] = []) {
        self.alias = alias
        self.altAliases = altAliases
    }

    /// The content of an event already in room state, read leniently (it may come from another
    /// server): a non-string `alias` counts as none, a non-array `alt_aliases` as empty, and
    /// non-string entries are skipped. Syntax is not checked.
    public init(content: JSONObject) {
        let alias = content["alias"]?.stringValue
        self.alias = alias?.isEmpty == false ? alias : nil
        if case .array(let items)? = content["alt_aliases"] {
            altAliases = items.compactMap(\.stringValue)
        } else {
            altAliases = []
        }
    }

    /// Checks the content of an event a local client sends (the `PUT .../state/m.room.canonical_alias`
    /// 400s): `alias` must be a string or null and `alt_aliases` an array of strings, and every
    /// alias this event adds must be a valid room alias; failures are 400 `M_INVALID_PARAM`, as the
    /// spec and Synapse give. As Synapse, aliases already in `previous` (the content being replaced)
    /// are not checked again, so a room can keep an alias some other server wrote.
    ///
    /// Returns the content and the aliases it adds, which the caller must then resolve: each must
    /// point to this room, or the event is refused with 400 `M_BAD_ALIAS`.
    public static func validate(content: JSONObject, previous: JSONObject? = nil) throws(MatrixError)
        -> (content: CanonicalAliasContent, added: [String])
    {
        var alias: String? = nil
        if let value = content["alias"], !value.isNull {
            guard case .string(let text) = value else {
                throw .invalidParam("alias must be a string, not a \(value.typeName)")
            }
            alias = text.isEmpty ? nil : text
        }
        var altAliases: [String] = []
        if let value = content["alt_aliases"], !value.isNull {
            guard case .array(let items) = value else {
                throw .invalidParam("alt_aliases must be an array, not a \(value.typeName)")
            }
            for item in items {
                guard case .string(let text) = item else {
                    throw .invalidParam("alt_aliases must hold strings, not a \(item.typeName)")
                }
                altAliases.append(text)
            }
        }
        let old = previous.map(CanonicalAliasContent.init(content:))
        var added: [String] = []
        if let alias, alias != old?.alias { added.append(alias) }
        for alt in altAliases where !(old?.altAliases.contains(alt) ?? false) && !added.contains(alt) {
            added.append(alt)
        }
        for text in added {
            do {
                _ = try RoomAlias(parsing: text)
            } catch {
                throw .invalidParam("\"\(text)\" is not a valid room alias: \(error.description)")
            }
        }
        return (CanonicalAliasContent(alias: alias, altAliases: altAliases), added)
    }

    /// `alias` (if any) followed by `alt_aliases`.
    public var allAliases: [String] { (alias.map { [$0] } ?? []) + altAliases }
}
