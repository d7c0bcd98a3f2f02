/// The filtering API's `EventFilter`: what a filter's `presence` and `account_data` sections keep
/// (client-server API, "Filtering"; `definitions/event_filter.yaml`).
///
/// A nil include list (`types`, `senders`) keeps everything and an empty one nothing; the `not_`
/// lists win over them. `types` and `not_types` may use `*` for any sequence of characters.
public struct EventFilter: Sendable, Hashable {
    /// The most events to return; nil leaves the choice to the server.
    public let limit: Int64?
    public let types: [String]?
    public let notTypes: [String]?
    public let senders: [String]?
    public let notSenders: [String]?

    private let typePatterns: [GlobPattern]?
    private let notTypePatterns: [GlobPattern]?

    public init(
        limit: Int64? = nil, types: [String]? = nil, notTypes: [String]? = nil, senders: [String]? = nil,
        notSenders: [String]? = nil
    ) {
        self.limit = limit
        self.types = types
        self.notTypes = notTypes
        self.senders = senders
        self.notSenders = notSenders
        typePatterns = FilterMatching.typePatterns(types)
        notTypePatterns = FilterMatching.typePatterns(notTypes)
    }

    /// Reads and checks a filter object. `path` names it in errors (`presence`, `account_data`).
    /// Members of the wrong type, invalid user IDs and negative limits are 400 `M_BAD_JSON`; unknown
    /// members are ignored, as Synapse allows them for forward compatibility.
    public init(json: JSONObject, path: String = "") throws(MatrixError) {
        try self.init(reader: FilterFieldReader(json, path: path))
    }

    init(reader: FilterFieldReader) throws(MatrixError) {
        self.init(
            limit: try reader.limit("limit"),
            types: try reader.strings("types"),
            notTypes: try reader.strings("not_types"),
            senders: try reader.strings("senders", what: "user ID", isValid: FilterFieldReader.isUserID),
            notSenders: try reader.strings("not_senders", what: "user ID", isValid: FilterFieldReader.isUserID))
    }

    /// The filter as JSON, with only the members that are set.
    public var json: JSONObject {
        var writer = FilterFieldWriter()
        writer.set("limit", limit)
        writer.set("types", types)
        writer.set("not_types", notTypes)
        writer.set("senders", senders)
        writer.set("not_senders", notSenders)
        return writer.object
    }

    /// `sender` is nil for what has none (then any `senders` list excludes it).
    public func matches(type: String, sender: String?) -> Bool {
        FilterMatching.allowsType(type, include: typePatterns, exclude: notTypePatterns)
            && FilterMatching.allows(sender, include: senders, exclude: notSenders)
    }

    /// True when no event can pass, so a caller may skip the work (Synapse's `filters_all_types`).
    public var excludesEverything: Bool {
        types?.isEmpty == true || senders?.isEmpty == true || notTypes?.contains("*") == true
    }
}
