/// Reads the members of one object of a filter definition, with errors that name the member by
/// its path from the filter's top (`room.timeline.limit`). A member that is absent or `null` reads
/// as absent: clients send `null` for "not set", and Synapse's later reads treat both alike.
struct FilterFieldReader {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func object(_ key: String) throws(MatrixError) -> FilterFieldReader? {
        guard let value = value(key) else { return nil }
        guard case .object(let inner) = value else {
            throw .badJSON("\(name(key)) must be an object, not a \(value.typeName)")
        }
        return FilterFieldReader(inner, path: name(key))
    }

    func bool(_ key: String) throws(MatrixError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw .badJSON("\(name(key)) must be a boolean, not a \(value.typeName)")
        }
        return flag
    }

    func string(_ key: String) throws(MatrixError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            throw .badJSON("\(name(key)) must be a string, not a \(value.typeName)")
        }
        return text
    }

    /// An array of strings; `isValid`, when given, checks each entry (user IDs, room IDs), and
    /// `what` names the kind of entry in the error.
    func strings(_ key: String, what: String = "string", isValid: ((String) -> Bool)? = nil) throws(MatrixError)
        -> [String]?
    {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else {
            throw .badJSON("\(name(key)) must be an array, not a \(value.typeName)")
        }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else {
                throw .badJSON("\(name(key)) must hold strings, not a \(item.typeName)")
            }
            if let isValid, !isValid(text) {
                throw .badJSON("\(name(key)) holds \"\(text)\", which is not a valid \(what)")
            }
            result.append(text)
        }
        return result
    }

    /// The spec asks for an integer greater than 0. Synapse accepts any number, and clients send
    /// `0` for "no events"; 0 is kept (a well-defined empty page), negatives and fractions refused.
    func limit(_ key: String) throws(MatrixError) -> Int64? {
        guard let value = value(key) else { return nil }
        let number: Int64
        switch value {
        case .int(let int): number = int
        // 10.0 is an integer to JSON Schema, which Synapse validates with.
        case .double(let double) where double.rounded() == double && abs(double) <= 9_007_199_254_740_991:
            number = Int64(double)
        default:
            throw .badJSON("\(name(key)) must be an integer, not \(value.typeName == "number" ? "a fraction" : "a \(value.typeName)")")
        }
        guard number >= 0 else { throw .badJSON("\(name(key)) must not be negative") }
        return number
    }

    static func isUserID(_ text: String) -> Bool { (try? UserID(parsing: text, strict: false)) != nil }
    static func isRoomID(_ text: String) -> Bool { (try? IdentifierGrammar.checkRoomId(text)) != nil }
}

/// Builds a filter object back from its typed members, leaving out what is unset.
struct FilterFieldWriter {
    private(set) var object = JSONObject()

    mutating func set(_ key: String, _ value: [String]?) {
        if let value { object[key] = .array(value.map(JSONValue.string)) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { object[key] = .bool(value) }
    }

    mutating func set(_ key: String, _ value: Int64?) {
        if let value { object[key] = .int(value) }
    }

    mutating func set(_ key: String, _ value: String?) {
        if let value { object[key] = .string(value) }
    }

    /// Sets a nested filter unless it is empty (all defaults), which reads back the same.
    mutating func set(_ key: String, _ value: JSONObject?) {
        if let value, !value.isEmpty { object[key] = .object(value) }
    }
}
