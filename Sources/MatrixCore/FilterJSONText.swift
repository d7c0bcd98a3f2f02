/// A filter given inline as JSON text: the `filter` query parameter of `/sync` (when it starts with
/// `{`), `/messages` and `/context`.
enum FilterJSONText {
    /// Query strings are short, but a filter is still parsed with a size and depth limit so a
    /// request line cannot make the parser work hard.
    static let options = JSONParser.Options(maxDepth: 16, allowFloats: true, maxBytes: 65_536)

    /// Text that is not JSON is 400 `M_NOT_JSON` (as Synapse answers for `/sync`), anything but an
    /// object `M_BAD_JSON`.
    static func object(from text: String) throws(MatrixError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text, options: options)
        } catch {
            throw .notJSON("The filter is not valid JSON: \(error.description)")
        }
        guard case .object(let object) = value else {
            throw .badJSON("The filter must be a JSON object, not a \(value.typeName)")
        }
        return object
    }
}
