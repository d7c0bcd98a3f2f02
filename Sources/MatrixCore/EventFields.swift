/// A filter's `event_fields`: dot-separated paths of the fields to keep in each event (`content.body`),
/// read as `PropertyPath`s. Fields not named are dropped; a path that names an object keeps all of it.
public struct EventFields: Sendable, Hashable {
    public let paths: [[String]]

    public init(_ fields: [String]) {
        paths = fields.map { PropertyPath($0).components }
    }

    /// `event` with only the named fields.
    public func apply(to event: JSONObject) -> JSONObject {
        var result: JSONObject = [:]
        for path in paths { Self.copy(path[...], from: event, into: &result) }
        return result
    }

    private static func copy(_ path: ArraySlice<String>, from source: JSONObject, into target: inout JSONObject) {
        guard let key = path.first, let value = source[key] else { return }
        if path.count == 1 {
            target[key] = value
            return
        }
        guard case .object(let inner) = value else { return }
        var nested = target[key]?.objectValue ?? [:]
        copy(path.dropFirst(), from: inner, into: &nested)
        if !nested.isEmpty { target[key] = .object(nested) }
    }
}
