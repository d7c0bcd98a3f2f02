// A deliberately tiny JSON codec for the worker's message headers. The worker links no Foundation
// (it would add megabytes and startup time to a process that is restarted on every crash), and its
// headers are one flat object of strings, integers and booleans, so that is all this accepts:
// nesting, floats and duplicate keys are rejected rather than half-supported.

enum FlatJSONValue: Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
}

struct FlatJSONError: Error {
    let reason: String
}

enum FlatJSON {
    /// Parses `{"key": value, ...}` where every value is a string, integer, boolean or null.
    static func parse(_ bytes: [UInt8]) throws(FlatJSONError) -> [String: FlatJSONValue] {
        var parser = Parser(bytes: bytes)
        return try parser.parseObject()
    }

    /// Encodes key/value pairs in the given order (order kept so the output is stable for tests).
    static func encode(_ pairs: [(String, FlatJSONValue)]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text): appendString(text, to: &out)
            case .int(let number): out.append(contentsOf: Array(String(number).utf8))
            case .bool(let flag): out.append(contentsOf: Array((flag ? "true" : "false").utf8))
            case .null: out.append(contentsOf: Array("null".utf8))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x00..<0x20:
                // Control characters go out as \u00XX; everything else (UTF-8 included) is literal.
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func parseObject() throws(FlatJSONError) -> [String: FlatJSONValue] {
            skipSpace()
            try expect(UInt8(ascii: "{"))
            var result: [String: FlatJSONValue] = [:]
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipSpace()
                    let key = try parseString()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                    let value = try parseValue()
                    if result.updateValue(value, forKey: key) != nil {
                        throw FlatJSONError(reason: "duplicate key \(key)")
                    }
                    skipSpace()
                    guard let next = peek() else { throw FlatJSONError(reason: "unterminated object") }
                    index += 1
                    if next == UInt8(ascii: "}") { break }
                    guard next == UInt8(ascii: ",") else { throw FlatJSONError(reason: "expected , or }") }
                }
            }
            skipSpace()
            guard index == bytes.count else { throw FlatJSONError(reason: "trailing bytes") }
            return result
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws(FlatJSONError) {
            guard peek() == byte else { throw FlatJSONError(reason: "expected \(Character(Unicode.Scalar(byte)))") }
            index += 1
        }

        private mutating func parseValue() throws(FlatJSONError) -> FlatJSONValue {
            guard let byte = peek() else { throw FlatJSONError(reason: "missing value") }
            switch byte {
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInt())
            default: throw FlatJSONError(reason: "unsupported value")
            }
        }

        private mutating func literal(_ word: String) throws(FlatJSONError) {
            for byte in word.utf8 { try expect(byte) }
        }

        private mutating func parseInt() throws(FlatJSONError) -> Int64 {
            let negative = peek() == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            var digits = 0
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw FlatJSONError(reason: "integer out of range") }
                value = sum
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw FlatJSONError(reason: "bad number") }
            if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                throw FlatJSONError(reason: "only integers are accepted")
            }
            return negative ? -value : value
        }

        private mutating func parseString() throws(FlatJSONError) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars: [UInt8] = []
            while true {
                guard let byte = peek() else { throw FlatJSONError(reason: "unterminated string") }
                index += 1
                if byte == UInt8(ascii: "\"") { break }
                guard byte >= 0x20 else { throw FlatJSONError(reason: "control character in string") }
                if byte != UInt8(ascii: "\\") { scalars.append(byte); continue }
                guard let escaped = peek() else { throw FlatJSONError(reason: "unterminated escape") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "u"):
                    let code = try parseHex4()
                    // Surrogate pairs are not needed for file paths we generate; reject rather than mangle.
                    guard let scalar = Unicode.Scalar(code) else { throw FlatJSONError(reason: "unsupported \\u escape") }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw FlatJSONError(reason: "bad escape")
                }
            }
            guard let text = String(validating: scalars, as: UTF8.self) else {
                throw FlatJSONError(reason: "invalid UTF-8")
            }
            return text
        }

        private mutating func parseHex4() throws(FlatJSONError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = peek() else { throw FlatJSONError(reason: "short \\u escape") }
                index += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw FlatJSONError(reason: "bad \\u escape")
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
