/// A dot-separated property path (appendices, "Dot-separated property paths"): `content.body` names
/// `body` inside `content`; `\.` is a literal dot and `\\` a backslash inside a name. Any other
/// backslash is kept as it is (`\x` is a backslash and an `x`), as the appendix says.
public struct PropertyPath: Sendable, Hashable, CustomStringConvertible {
    public let components: [String]

    public init(_ text: String) {
        var parts: [String] = []
        var current = ""
        var pendingBackslash = false
        for character in text {
            if pendingBackslash {
                pendingBackslash = false
                if character == "." || character == "\\" {
                    current.append(character)
                    continue
                }
                // Not an escape we know: the backslash stands for itself.
                current.append("\\")
            }
            if character == "\\" {
                pendingBackslash = true
            } else if character == "." {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if pendingBackslash { current.append("\\") }
        parts.append(current)
        components = parts
    }

    public init(components: [String]) {
        self.components = components
    }

    /// The path written back with the escapes the appendix asks for.
    public var description: String {
        components.map { $0.replacingAll("\\", with: "\\\\").replacingAll(".", with: "\\.") }.joined(separator: ".")
    }

    /// The value at this path in `object`, or nil when a step is missing or not an object.
    public func value(in object: JSONObject) -> JSONValue? {
        guard let first = components.first, var value = object[first] else { return nil }
        for name in components.dropFirst() {
            guard case .object(let inner) = value, let next = inner[name] else { return nil }
            value = next
        }
        return value
    }
}

extension String {
    /// Every `target` character replaced with `replacement` (without Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
