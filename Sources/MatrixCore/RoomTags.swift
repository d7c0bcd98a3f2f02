/// A user's tags on one room: the `m.tag` room account data, `{"tags": {name: {"order": 0.5}}}`
/// (client-server API, "Room Tagging").
public struct RoomTags: Sendable, Hashable {
    public static let type = "m.tag"
    /// "The name of a tag MUST NOT exceed 255 bytes."
    public static let maxNameBytes = 255

    /// Each tag's object as the client gave it (`order` and anything else, kept as Synapse keeps it).
    public private(set) var tags: JSONObject

    public init(tags: JSONObject = [:]) {
        self.tags = tags
    }

    /// Reads stored `m.tag` content (which a client may also have written through the account data
    /// API): members that are not objects are dropped, and content of another shape holds no tags.
    public init(stored content: JSONValue?) {
        let stored = content?["tags"]?.objectValue ?? [:]
        self.tags = stored.filter { $0.value.objectValue != nil }
    }

    public var content: JSONObject { ["tags": .object(tags)] }

    public mutating func set(_ name: String, _ tag: JSONObject) {
        tags[name] = .object(tag)
    }

    public mutating func remove(_ name: String) {
        tags.removeValue(forKey: name)
    }

    /// A tag name longer than 255 bytes is 400 `M_INVALID_PARAM` (Synapse's answer).
    public static func checkName(_ name: String) throws(MatrixError) {
        guard !name.isEmpty else { throw .invalidParam("A tag name cannot be empty") }
        guard name.utf8.count <= maxNameBytes else {
            throw .invalidParam("A tag name is at most \(maxNameBytes) bytes")
        }
    }

    /// Checks a tag's body (`definitions/tag.yaml`): `order`, when present and not null, is a number
    /// (400 `M_BAD_JSON` otherwise) in [0, 1] (400 `M_INVALID_PARAM` otherwise). Other members are kept.
    public static func checkTag(_ tag: JSONObject) throws(MatrixError) {
        guard let order = tag["order"], !order.isNull else { return }
        let number: Double
        switch order {
        case .int(let value): number = Double(value)
        case .double(let value): number = value
        default: throw .badJSON("order must be a number, not a \(order.typeName)")
        }
        guard number >= 0, number <= 1 else { throw .invalidParam("order must be between 0 and 1") }
    }
}
