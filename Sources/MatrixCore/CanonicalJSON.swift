/// Serialises JSON in the Matrix canonical form (appendices, "Canonical JSON"): keys sorted by code
/// point, no insignificant whitespace, only the mandatory escapes, UTF-8 output.
public enum CanonicalJSON {
    public struct EncodingError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Canonical bytes. Throws for a non-integer number, which canonical JSON cannot hold.
    public static func encode(_ value: JSONValue) throws(EncodingError) -> [UInt8] {
        var out: [UInt8] = []
        try write(value, into: &out, allowFloats: false)
        return out
    }

    /// The same layout for response bodies, where a float (from an old room's content) is written as is.
    public static func encodeLenient(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        // Cannot fail: floats are allowed, and that is the only refusal.
        try? write(value, into: &out, allowFloats: true)
        return out
    }

    public static func string(_ value: JSONValue) throws(EncodingError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8], allowFloats: Bool) throws(EncodingError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            guard allowFloats else { throw EncodingError(description: "canonical JSON cannot hold the number \(d)") }
            if d == d.rounded(), abs(d) < 1e15 {
                out.append(contentsOf: String(Int64(d)).utf8)
            } else {
                out.append(contentsOf: String(d).utf8)
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out, allowFloats: allowFloats)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            // UTF-8 byte order is code point order, which is what the spec sorts by.
            let keys = object.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(object[key] ?? .null, into: &out, allowFloats: allowFloats)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
