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
            out.append(contentsOf: pythonRepr(d).utf8)
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

    /// A float written as Python's `repr` writes it, which is what Synapse hashes and signs in room
    /// versions 1-5 (the only ones that allow floats): shortest round-trip digits, fixed notation for
    /// decimal exponents -4 ... 15 (always with a fractional part), scientific notation otherwise.
    static func pythonRepr(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity") }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also gives the shortest round-trip digits; only the layout differs.
        var text = Substring(String(value.magnitude))
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var digits = ""
        var pointPosition = text.count
        if let dot = text.firstIndex(of: ".") {
            pointPosition = text.distance(from: text.startIndex, to: dot)
            digits = String(text[..<dot]) + String(text[text.index(after: dot)...])
        } else {
            digits = String(text)
        }
        // Normalise to 0.DIGITS × 10^decimalPoint with no leading or trailing zeros in DIGITS.
        var decimalPoint = pointPosition + exponent
        while digits.first == "0" {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let sign = value < 0 ? "-" : ""
        let exp10 = decimalPoint - 1
        if exp10 >= -4 && exp10 < 16 {
            if decimalPoint <= 0 {
                return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
            }
            if decimalPoint >= digits.count {
                return sign + digits + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
            }
            let index = digits.index(digits.startIndex, offsetBy: decimalPoint)
            return sign + digits[..<index] + "." + digits[index...]
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let exponentText = abs(exp10) < 10 ? "0\(abs(exp10))" : "\(abs(exp10))"
        return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + exponentText
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
