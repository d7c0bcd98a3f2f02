@testable import MatrixCore
import Testing

@Suite struct JSONParserTests {
    @Test func parsesAllValueKinds() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2,3.5,true,false,null,"x\n\u00e9\ud83e\udd8a"],"b":{}}"#)
        #expect(value["a"]?.arrayValue?.count == 7)
        #expect(value["a"]?.arrayValue?[0] == .int(1))
        #expect(value["a"]?.arrayValue?[1] == .int(-2))
        #expect(value["a"]?.arrayValue?[2] == .double(3.5))
        #expect(value["a"]?.arrayValue?[6] == .string("x\né🦊"))
        #expect(value["b"] == .object([:]))
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONParser.parse("9007199254740991") == .int(9_007_199_254_740_991))
        #expect(try JSONParser.parse("-9007199254740991") == .int(-9_007_199_254_740_991))
    }

    @Test(arguments: [
        ("9007199254740992", "integer outside"),
        ("{\"a\":1,\"a\":2}", "duplicate key"),
        ("\"\\ud800\"", "lone UTF-16 surrogate"),
        ("\"\\udc00x\"", "lone UTF-16 surrogate"),
        ("[1,]", "unexpected character"),
        ("{\"a\" 1}", "unexpected character"),
        ("01", "data after"),
        ("\"a\u{01}\"", "control character"),
        ("\"\\q\"", "invalid escape"),
        ("[", "unexpected end"),
        ("1.", "invalid number"),
        ("nul", "unexpected"),
    ])
    func refusesBadDocuments(text: String, expected: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(text): \(error.description)")
        }
    }

    @Test func refusesInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONParser.parse(ok, options: .init(maxDepth: 10))
        let deep = String(repeating: "[", count: 11) + String(repeating: "]", count: 11)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep, options: .init(maxDepth: 10)) }
        // Far past any stack: refused, not crashed.
        let huge = String(repeating: "{\"a\":", count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(huge) }
    }

    @Test func sizeLimit() throws {
        let text = "{\"a\":\"" + String(repeating: "x", count: 100) + "\"}"
        _ = try JSONParser.parse(text, options: .init(maxBytes: text.utf8.count))
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text, options: .init(maxBytes: text.utf8.count - 1)) }
        let event = "{\"a\":\"" + String(repeating: "x", count: 70_000) + "\"}"
        #expect(throws: JSONParseError.self) { try JSONParser.parse(event, options: .event(strict: true)) }
    }

    /// Numbers canonical JSON cannot carry: leading zeros, floats in strict mode, beyond ±(2^53-1).
    @Test(arguments: ["01", "-01", "1.0", "1e2", "1E+2", "-0.5", "9007199254740992", "-9007199254740992", "1e400"])
    func nonCanonicalNumbersAreRefusedInStrictMode(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text, options: .event(strict: true)) }
    }

    @Test func floatsCanBeRefused() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse("1.5", options: .init(allowFloats: false)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("1e3", options: .init(allowFloats: false)) }
    }
}

/// The canonical JSON examples of the spec's appendices, byte for byte.
@Suite struct CanonicalJSONTests {
    @Test(arguments: [
        ("{}", "{}"),
        (#"{"one": 1, "two": "Two"}"#, #"{"one":1,"two":"Two"}"#),
        (#"{"b": "2", "a": "1"}"#, #"{"a":"1","b":"2"}"#),
        (#"{"auth":{"success":true,"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"medium":"email","address":"john.doe@example.org"},{"medium":"msisdn","address":"123456789"}]}}}"#,
         #"{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}"#),
        (#"{"a": "日本語"}"#, #"{"a":"日本語"}"#),
        (#"{"本": 2, "日": 1}"#, #"{"日":1,"本":2}"#),
        (#"{"a": "\u65E5"}"#, #"{"a":"日"}"#),
        (#"{"a": null}"#, #"{"a":null}"#),
        (#"{"a": -0}"#, #"{"a":0}"#),
        (#"{"a": "\u0000\u001f\b\\\"/"}"#, #"{"a":"\u0000\u001f\b\\\"/"}"#),
    ])
    func specExamples(input: String, canonical: String) throws {
        let value = try JSONParser.parse(input)
        #expect(try CanonicalJSON.string(value) == canonical)
    }

    @Test func floatsAreNotCanonical() throws {
        #expect(throws: CanonicalJSON.EncodingError.self) { try CanonicalJSON.encode(.double(1.5)) }
        #expect(String(decoding: CanonicalJSON.encodeLenient(.double(1.5)), as: UTF8.self) == "1.5")
    }

    /// Old room versions allow floats; Synapse writes them as Python's repr, and hashes depend on it.
    @Test(arguments: [
        (1.0, "1.0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e15, "1000000000000000.0"), (1e16, "1e+16"),
        (1.5e16, "1.5e+16"), (123456789012345678.0, "1.2345678901234568e+17"), (0.0001, "0.0001"),
        (0.00001, "1e-05"), (1.25e-7, "1.25e-07"), (-0.0, "-0.0"), (100.0, "100.0"), (1e100, "1e+100"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (12345.678, "12345.678"),
    ])
    func floatsAreWrittenAsPythonDoes(value: Double, expected: String) {
        #expect(CanonicalJSON.pythonRepr(value) == expected)
    }
}

@Suite struct Base64Tests {
    @Test func unpaddedStandardAndURLSafe() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8")
        #expect(Base64.encode([0xFB, 0xFF], urlSafe: true) == "-_8")
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zm9v!") == nil)
    }
}

@Suite struct JSONObjectKeyTests {
    /// "é" precomposed and decomposed are equal Swift strings but distinct JSON keys.
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let value = try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(value.objectValue?.count == 2)
        #expect(value["\u{E9}"] == .int(1))
        #expect(value["e\u{301}"] == .int(2))
        #expect(try CanonicalJSON.string(value) == "{\"e\u{301}\":2,\"\u{E9}\":1}")
        #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"\u{E9}\":1,\"\u{E9}\":2}") }
    }
}
