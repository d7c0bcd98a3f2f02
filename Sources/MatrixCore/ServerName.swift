/// A server name per the appendices: a DNS name, an IPv4 literal or a bracketed IPv6 literal, with an
/// optional port.
public struct ServerName: Sendable, Hashable, CustomStringConvertible {
    public enum Host: Sendable, Hashable {
        case dns(String)
        case ipv4(String)
        case ipv6(String)
    }

    public let host: Host
    public let port: Int?
    public let description: String

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else { throw ParseError(description: "a server name cannot be empty") }
        guard text.utf8.count <= 255 else { throw ParseError(description: "a server name is at most 255 bytes") }
        var hostPart = Substring(text)
        var port: Int? = nil
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ParseError(description: "IPv6 literal \"\(text)\" lacks its closing ']'")
            }
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ParseError(description: "unexpected text after ']' in \"\(text)\"") }
                port = try Self.parsePort(after.dropFirst(), in: text)
            }
            let inner = text[text.index(after: text.startIndex)..<close]
            guard !inner.isEmpty, inner.count <= 45,
                inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), inner.contains(":")
            else { throw ParseError(description: "\"\(inner)\" is not an IPv6 literal") }
            self.host = .ipv6(String(inner))
        } else {
            if let colon = text.lastIndex(of: ":") {
                port = try Self.parsePort(text[text.index(after: colon)...], in: text)
                hostPart = text[..<colon]
            }
            if Self.isIPv4(hostPart) {
                self.host = .ipv4(String(hostPart))
            } else {
                guard Self.isDNSName(hostPart) else {
                    throw ParseError(description: "\"\(hostPart)\" is not a valid host name (letters, digits, '-' and '.')")
                }
                self.host = .dns(String(hostPart))
            }
        }
        self.port = port
        self.description = text
    }

    private static func parsePort(_ digits: Substring, in text: String) throws(ParseError) -> Int {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits), value <= 65535
        else { throw ParseError(description: "invalid port in server name \"\(text)\"") }
        return value
    }

    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part) ?? 256) <= 255
        }
    }

    private static func isDNSName(_ text: Substring) -> Bool {
        guard !text.isEmpty else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                return true
            default: return false
            }
        }
    }
}
