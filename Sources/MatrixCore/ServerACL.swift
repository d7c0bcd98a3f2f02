/// A room's server access control list, `m.room.server_acl` (client-server API "Server Access
/// Control Lists", server-server API "Server Access Control Lists (ACLs)").
///
/// Decision order: an IP literal is denied when `allow_ip_literals` is false; then a `deny` match
/// denies; then an `allow` match allows; anything else is denied. Patterns are case-insensitive
/// globs (`*`, `?`) matched against the server name without its port.
public struct ServerACL: Sendable, Hashable {
    public let allow: [String]
    public let deny: [String]
    public let allowIPLiterals: Bool

    private let allowPatterns: [GlobPattern]
    private let denyPatterns: [GlobPattern]

    public init(allow: [String], deny: [String] = [], allowIPLiterals: Bool = true) {
        self.allow = allow
        self.deny = deny
        self.allowIPLiterals = allowIPLiterals
        allowPatterns = allow.map { GlobPattern($0, caseInsensitive: true) }
        denyPatterns = deny.map { GlobPattern($0, caseInsensitive: true) }
    }

    /// The ACL that an event in room state sets, read leniently as every server must read events
    /// others sent (and as Synapse does): a non-boolean `allow_ip_literals` counts as true, a
    /// non-array list as empty, and non-string entries are skipped.
    public init(content: JSONObject) {
        func strings(_ key: String) -> [String] {
            guard case .array(let items)? = content[key] else { return [] }
            return items.compactMap(\.stringValue)
        }
        self.init(
            allow: strings("allow"), deny: strings("deny"),
            allowIPLiterals: content["allow_ip_literals"]?.boolValue ?? true)
    }

    /// The ACL of an event a local client sends, checked against the event schema: `allow` and
    /// `deny` must be arrays of strings and `allow_ip_literals` a boolean (each optional, `null`
    /// counting as absent). Anything else is 400 `M_BAD_JSON` naming the key.
    ///
    /// Whether the ACL shuts out this server (Synapse refuses such an event with a 400) is the
    /// caller's check: `allows(serverName:)` with the local server name.
    public init(validating content: JSONObject) throws(MatrixError) {
        func strings(_ key: String) throws(MatrixError) -> [String] {
            guard let value = content[key], !value.isNull else { return [] }
            guard case .array(let items) = value else { throw .badJSON("\(key) must be an array, not a \(value.typeName)") }
            var result: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw .badJSON("\(key) must hold strings, not a \(item.typeName)") }
                result.append(text)
            }
            return result
        }
        var allowIPLiterals = true
        if let value = content["allow_ip_literals"], !value.isNull {
            guard case .bool(let flag) = value else {
                throw .badJSON("allow_ip_literals must be a boolean, not a \(value.typeName)")
            }
            allowIPLiterals = flag
        }
        self.init(allow: try strings("allow"), deny: try strings("deny"), allowIPLiterals: allowIPLiterals)
    }

    /// Whether the server may take part in the room. `serverName` may carry a port, which is ignored.
    public func allows(serverName: String) -> Bool {
        let host = Self.hostWithoutPort(serverName)
        if !allowIPLiterals, Self.isIPLiteral(host) { return false }
        if denyPatterns.contains(where: { $0.matches(host) }) { return false }
        return allowPatterns.contains { $0.matches(host) }
    }

    /// `host` of `host[:port]`; an IPv6 literal keeps its brackets (`[::1]:8448` gives `[::1]`), as
    /// ACL patterns are written against the bracketed form.
    public static func hostWithoutPort(_ serverName: String) -> String {
        if serverName.hasPrefix("[") {
            guard let close = serverName.firstIndex(of: "]") else { return serverName }
            return String(serverName[...close])
        }
        guard let colon = serverName.lastIndex(of: ":") else { return serverName }
        return String(serverName[..<colon])
    }

    /// A bracketed IPv6 literal, or four dot-separated decimal numbers of 0-255 (IPv4).
    public static func isIPLiteral(_ host: String) -> Bool {
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                && (Int(part) ?? 256) <= 255
        }
    }
}
