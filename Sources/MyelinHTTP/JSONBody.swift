import MatrixCore

/// Typed access to a request's JSON object, turning wrong types into `M_BAD_JSON` and missing fields into
/// `M_MISSING_PARAM`, each naming the field.
public struct JSONBody: Sendable {
    public let object: JSONObject

    public init(_ object: JSONObject) {
        self.object = object
    }

    public subscript(key: String) -> JSONValue? { object[key] }

    public func string(_ key: String) throws(MatrixError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw MatrixError.badJSON("'\(key)' must be a string, not \(other.typeName)")
        }
    }

    public func requiredString(_ key: String) throws(MatrixError) -> String {
        guard let value = try string(key) else { throw MatrixError.missingParam("'\(key)' is required") }
        return value
    }

    public func bool(_ key: String) throws(MatrixError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw MatrixError.badJSON("'\(key)' must be a boolean, not \(other.typeName)")
        }
    }

    public func int(_ key: String) throws(MatrixError) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        case let other?: throw MatrixError.badJSON("'\(key)' must be an integer, not \(other.typeName)")
        }
    }

    /// Distinguishes "absent" (outer nil) from "explicitly null" (inner nil), for partial updates.
    public func nullableInt(_ key: String) throws(MatrixError) -> Int64?? {
        switch object[key] {
        case nil: return nil
        case .null?: return .some(nil)
        case .int(let value)?: return .some(value)
        case let other?: throw MatrixError.badJSON("'\(key)' must be an integer or null, not \(other.typeName)")
        }
    }

    public func stringArray(_ key: String) throws(MatrixError) -> [String]? {
        switch object[key] {
        case nil, .null?: return nil
        case .array(let items)?:
            var strings: [String] = []
            for item in items {
                guard case .string(let value) = item else {
                    throw MatrixError.badJSON("'\(key)' must be an array of strings")
                }
                strings.append(value)
            }
            return strings
        case let other?: throw MatrixError.badJSON("'\(key)' must be an array, not \(other.typeName)")
        }
    }

    public func objectValue(_ key: String) throws(MatrixError) -> JSONObject? {
        switch object[key] {
        case nil, .null?: return nil
        case .object(let value)?: return value
        case let other?: throw MatrixError.badJSON("'\(key)' must be an object, not \(other.typeName)")
        }
    }
}
