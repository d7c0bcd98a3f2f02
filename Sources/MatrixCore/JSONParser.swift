/// Why a JSON document was refused, with the byte offset where the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedCharacter(UInt8)
        case invalidNumber
        case integerOutOfRange
        case floatNotAllowed
        case invalidEscape
        case loneSurrogate
        case invalidUTF8
        case controlCharacterInString
        case duplicateKey(String)
        case tooDeep(limit: Int)
        case tooLarge(limit: Int)
        case trailingData
    }

    public let kind: Kind
    public let offset: Int

    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedCharacter(let c):
            what = (0x20..<0x7F).contains(c)
                ? "unexpected character '\(Character(Unicode.Scalar(c)))'" : "unexpected byte 0x\(String(c, radix: 16))"
        case .invalidNumber: what = "invalid number"
        case .integerOutOfRange: what = "integer outside the range -(2^53)+1 ... (2^53)-1"
        case .floatNotAllowed: what = "non-integer numbers are not allowed"
        case .invalidEscape: what = "invalid escape sequence"
        case .loneSurrogate: what = "lone UTF-16 surrogate in \\u escape"
        case .invalidUTF8: what = "invalid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .duplicateKey(let key): what = "duplicate key \"\(key)\""
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .tooLarge(let limit): what = "document larger than \(limit) bytes"
        case .trailingData: what = "data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}

/// A strict JSON parser over UTF-8 bytes (RFC 8259) with the extra refusals Matrix needs: duplicate keys,
/// lone surrogates, integers outside the canonical range, and a nesting limit so a deep document cannot
/// exhaust the stack.
public struct JSONParser {
    public struct Options: Sendable {
        public var maxDepth: Int
        public var allowFloats: Bool
        /// Largest document accepted, in bytes; nil for no limit (the caller bounded the input).
        public var maxBytes: Int?

        public init(maxDepth: Int = 64, allowFloats: Bool = true, maxBytes: Int? = nil) {
            self.maxDepth = maxDepth
            self.allowFloats = allowFloats
            self.maxBytes = maxBytes
        }

        /// For PDUs: the server-server API's 65536-byte limit, and, when `strict`, canonical numbers only.
        public static func event(strict: Bool) -> Options {
            Options(maxDepth: 64, allowFloats: !strict, maxBytes: 65_536)
        }
    }

    /// The largest magnitude an integer may have in canonical JSON: 2^53 - 1.
    public static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    public static func parse<Bytes: Collection>(_ bytes: Bytes, options: Options = .init()) throws(JSONParseError)
        -> JSONValue where Bytes.Element == UInt8
    {
        if let limit = options.maxBytes, bytes.count > limit {
            throw JSONParseError(kind: .tooLarge(limit: limit), offset: limit)
        }
        let array = Array(bytes)
        var parser = Cursor(bytes: array, options: options)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == array.count else { throw JSONParseError(kind: .trailingData, offset: parser.index) }
        return value
    }

    public static func parse(_ text: String, options: Options = .init()) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), options: options)
    }

    private struct Cursor {
        let bytes: [UInt8]
        let options: Options
        var index = 0

        init(bytes: [UInt8], options: Options) {
            self.bytes = bytes
            self.options = options
        }

        func fail(_ kind: JSONParseError.Kind) -> JSONParseError { JSONParseError(kind: kind, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail(.unexpectedCharacter(bytes[index]))
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail(.unexpectedEnd) }
            let matches = literal.withUTF8Buffer { expected in
                (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
            }
            guard matches else { throw fail(.unexpectedCharacter(bytes[index])) }
            index += count
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= options.maxDepth else { throw fail(.tooDeep(limit: options.maxDepth)) }
            index += 1
            var object: JSONObject = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter(bytes[index])) }
                let keyOffset = index
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[index] == UInt8(ascii: ":") else { throw fail(.unexpectedCharacter(bytes[index])) }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                if object.updateValue(value, forKey: key) != nil {
                    throw JSONParseError(kind: .duplicateKey(key), offset: keyOffset)
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return .object(object)
                default: throw fail(.unexpectedCharacter(bytes[index]))
                }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= options.maxDepth else { throw fail(.tooDeep(limit: options.maxDepth)) }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return .array(array)
                default: throw fail(.unexpectedCharacter(bytes[index]))
                }
            }
        }

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if isDigit(bytes[index]) {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            } else {
                throw fail(.invalidNumber)
            }
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.invalidNumber) }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail(.invalidNumber) }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger {
                guard let value = Int64(text), abs(value) <= JSONParser.maxSafeInteger else {
                    throw JSONParseError(kind: .integerOutOfRange, offset: start)
                }
                return .int(value)
            }
            guard options.allowFloats else { throw JSONParseError(kind: .floatNotAllowed, offset: start) }
            guard let value = Double(text), value.isFinite else { throw JSONParseError(kind: .invalidNumber, offset: start) }
            return .double(value)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func parseString() throws(JSONParseError) -> String {
            index += 1  // opening quote
            var scalars = String.UnicodeScalarView()
            while true {
                guard index < bytes.count else { throw fail(.unexpectedEnd) }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    index += 1
                    scalars.append(try parseEscape())
                case 0..<0x20:
                    throw fail(.controlCharacterInString)
                case 0..<0x80:
                    scalars.append(Unicode.Scalar(byte))
                    index += 1
                default:
                    scalars.append(try decodeUTF8Scalar())
                }
            }
        }

        mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
            guard index < bytes.count else { throw fail(.unexpectedEnd) }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let first = try parseHex4()
                if (0xD800...0xDBFF).contains(first) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw fail(.loneSurrogate) }
                    index += 2
                    let second = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(second) else { throw fail(.loneSurrogate) }
                    let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    guard let scalar = Unicode.Scalar(combined) else { throw fail(.loneSurrogate) }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(first) else { throw fail(.loneSurrogate) }
                return scalar
            default:
                index -= 1
                throw fail(.invalidEscape)
            }
        }

        mutating func parseHex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail(.unexpectedEnd) }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail(.invalidEscape)
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// Decodes one multi-byte UTF-8 sequence, refusing overlong forms, surrogates and truncation.
        mutating func decodeUTF8Scalar() throws(JSONParseError) -> Unicode.Scalar {
            let lead = bytes[index]
            let length: Int
            var value: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
            default: throw fail(.invalidUTF8)
            }
            guard index + length <= bytes.count else { throw fail(.invalidUTF8) }
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { throw fail(.invalidUTF8) }
                value = value << 6 | UInt32(byte & 0x3F)
            }
            let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
            guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw fail(.invalidUTF8) }
            index += length
            return scalar
        }
    }
}
