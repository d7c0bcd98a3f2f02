import MatrixCore
import Testing

@Suite struct EventFormatTests {
    static let v12RoomId = "!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8"

    /// A well-formed event of `version` (signatures are not checked here, only their shape).
    static func validEvent(_ version: RoomVersion) -> JSONObject {
        var event: JSONObject = [
            "type": "m.room.message", "sender": "@alice:example.org", "room_id": "!room:example.org",
            "content": ["body": "hi"], "depth": 5, "origin_server_ts": 1_700_000_000_000,
            "hashes": ["sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"],
            "signatures": ["example.org": ["ed25519:1": "sig"]], "unsigned": ["age": 3],
            "prev_events": ["$prev"], "auth_events": ["$create", "$power"],
        ]
        if !version.eventIDIsHash {
            event["event_id"] = "$abc:example.org"
            event["prev_events"] = [["$prev:example.org", ["sha256": "h"]]]
            event["auth_events"] = [["$create:example.org", ["sha256": "h"]]]
        }
        if version.roomIDFromCreateEvent { event["room_id"] = .string(v12RoomId) }
        return event
    }

    @Test(arguments: RoomVersion.all)
    func acceptsAWellFormedEvent(version: RoomVersion) throws {
        try EventFormat.validate(json: Self.validEvent(version), roomVersion: version)
        var state = Self.validEvent(version)
        state["state_key"] = ""
        state["redacts"] = "$x"
        try EventFormat.validate(json: state, roomVersion: version)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let version: RoomVersion
        let key: String
        /// The new value of `key`; nil removes it.
        let value: JSONValue?
        let field: String
        /// A fragment of the error description.
        let expected: String
        init(_ version: RoomVersion, _ key: String, _ value: JSONValue?, _ field: String, _ expected: String) {
            self.version = version
            self.key = key
            self.value = value
            self.field = field
            self.expected = expected
        }
        var testDescription: String { "v\(version) \(key) → \(field): \(expected)" }
    }

    static let long = String(repeating: "a", count: 256)

    static let cases: [Case] = [
        Case(.v11, "type", nil, "type", "missing"),
        Case(.v11, "type", 1, "type", "expected string, found integer"),
        Case(.v11, "type", .string(long), "type", "256 bytes"),
        Case(.v11, "sender", nil, "sender", "missing"),
        Case(.v11, "sender", "alice", "sender", "starts with '@'"),
        Case(.v11, "sender", .string("@" + long + ":x"), "sender", "bytes, more than the limit of 255"),
        Case(.v11, "room_id", nil, "room_id", "missing"),
        Case(.v11, "room_id", "room:example.org", "room_id", "starts with '!'"),
        Case(.v11, "room_id", "!room", "room_id", "!opaque:domain"),
        Case(.v11, "room_id", "!room:bad_host", "room_id", "bad domain"),
        Case(.v11, "room_id", .string("!" + long + ":x"), "room_id", "bytes"),
        Case(.v12, "room_id", nil, "room_id", "missing"),
        Case(.v12, "room_id", "!room:example.org", "room_id", "43 URL-safe base64"),
        Case(.v11, "state_key", 1, "state_key", "expected string"),
        Case(.v11, "state_key", .string(long), "state_key", "256 bytes"),
        Case(.v11, "origin_server_ts", nil, "origin_server_ts", "missing"),
        Case(.v11, "origin_server_ts", "1", "origin_server_ts", "expected integer, found string"),
        Case(.v11, "depth", nil, "depth", "missing"),
        Case(.v5, "depth", .double(5.5), "depth", "expected integer, found float"),
        Case(.v11, "content", nil, "content", "missing"),
        Case(.v11, "content", "x", "content", "expected object"),
        Case(.v11, "hashes", nil, "hashes", "missing"),
        Case(.v11, "hashes", [:], "hashes.sha256", "missing"),
        Case(.v11, "hashes", ["sha256": 1], "hashes.sha256", "expected string"),
        Case(.v11, "signatures", nil, "signatures", "missing"),
        Case(.v11, "signatures", ["example.org": 1], "signatures.example.org", "expected object"),
        Case(.v11, "signatures", ["example.org": ["ed25519:1": 1]], "signatures.example.org.ed25519:1", "expected string"),
        Case(.v11, "unsigned", 1, "unsigned", "expected object"),
        Case(.v3, "redacts", 1, "redacts", "expected string"),
        Case(.v11, "prev_events", nil, "prev_events", "missing"),
        Case(.v11, "prev_events", "$x", "prev_events", "expected array"),
        Case(.v11, "prev_events", .array(Array(repeating: "$p", count: 21)), "prev_events", "21 entries"),
        Case(.v11, "prev_events", ["p"], "prev_events[0]", "starts with '$'"),
        Case(.v11, "prev_events", ["$p", 1], "prev_events[1]", "expected event ID string"),
        Case(.v4, "prev_events", [["$p:x", ["sha256": "h"]]], "prev_events[0]", "expected event ID string, found array"),
        Case(.v11, "auth_events", nil, "auth_events", "missing"),
        Case(.v11, "auth_events", .array(Array(repeating: "$a", count: 11)), "auth_events", "11 entries"),
        Case(.v1, "prev_events", ["$p:x"], "prev_events[0]", "[event_id, hashes] pair"),
        Case(.v1, "prev_events", [["$p:x"]], "prev_events[0]", "[event_id, hashes] pair"),
        Case(.v1, "prev_events", [[1, ["sha256": "h"]]], "prev_events[0][0]", "expected event ID string"),
        Case(.v1, "prev_events", [["$p:x", "h"]], "prev_events[0][1]", "expected object"),
        Case(.v2, "auth_events", [["$p:x", [:]]], "auth_events[0][1].sha256", "missing"),
        Case(.v1, "event_id", nil, "event_id", "missing"),
        Case(.v1, "event_id", "abc:example.org", "event_id", "starts with '$'"),
        Case(.v2, "event_id", "$abc", "event_id", "$opaque:domain"),
        Case(.v2, "event_id", .string("$" + long + ":x"), "event_id", "bytes"),
        // Strict canonical JSON from v6, anywhere in the event, naming the path.
        Case(.v6, "content", ["a": [1, ["b": .double(1.5)]]], "content.a[1].b", "float 1.5"),
        Case(.v12, "content", ["n": .int(9_007_199_254_740_992)], "content.n", "outside ±(2^53 - 1)"),
        Case(.v10, "unsigned", ["n": .int(-9_007_199_254_740_992)], "unsigned.n", "outside"),
        Case(.v11, "content", ["big": .string(String(repeating: "x", count: 65_536))], "event", "more than the limit of 65536"),
    ]

    @Test(arguments: cases)
    func refusals(testCase: Case) {
        var event = Self.validEvent(testCase.version)
        event[testCase.key] = testCase.value
        do {
            try EventFormat.validate(json: event, roomVersion: testCase.version)
            Issue.record("accepted")
        } catch {
            #expect(error.field == testCase.field, "\(error.description)")
            #expect(error.description.contains(testCase.expected), "\(error.description)")
        }
    }

    @Test func looseNumbersBeforeVersionSix() throws {
        var event = Self.validEvent(.v5)
        event["content"] = ["f": .double(1.5), "n": .int(9_007_199_254_740_992)]
        try EventFormat.validate(json: event, roomVersion: .v5)
    }

    @Test func sizeLimitCountsTheWholeCanonicalEvent() throws {
        var event = Self.validEvent(.v11)
        let base = CanonicalJSON.encodeLenient(.object(event)).count
        // `,"pad":""` adds 9 bytes plus the padding.
        event["pad"] = .string(String(repeating: "x", count: EventFormat.maxEventBytes - base - 9))
        #expect(CanonicalJSON.encodeLenient(.object(event)).count == EventFormat.maxEventBytes)
        try EventFormat.validate(json: event, roomVersion: .v11)
        event["pad"] = .string(String(repeating: "x", count: EventFormat.maxEventBytes - base - 8))
        #expect(throws: EventFormatError("event", .tooLarge(bytes: 65_537, limit: 65_536))) {
            try EventFormat.validate(json: event, roomVersion: .v11)
        }
    }

    @Test func identifierLimitIsBytesNotCharacters() throws {
        var event = Self.validEvent(.v11)
        event["state_key"] = .string(String(repeating: "é", count: 127))  // 254 bytes
        try EventFormat.validate(json: event, roomVersion: .v11)
        event["state_key"] = .string(String(repeating: "é", count: 128))  // 256 bytes
        #expect(throws: EventFormatError("state_key", .tooLong(bytes: 256, limit: 255))) {
            try EventFormat.validate(json: event, roomVersion: .v11)
        }
    }

    @Test func v12CreateEventNeedsNoRoomId() throws {
        var create = Self.validEvent(.v12)
        create["type"] = "m.room.create"
        create["state_key"] = ""
        create["room_id"] = nil
        try EventFormat.validate(json: create, roomVersion: .v12)
        // Whether it may carry one is for the auth rules; its type is still checked.
        create["room_id"] = 5
        #expect(throws: EventFormatError("room_id", .wrongType(expected: "string", found: "integer"))) {
            try EventFormat.validate(json: create, roomVersion: .v12)
        }
        create["room_id"] = nil
        #expect(throws: EventFormatError("room_id", .missing)) { try EventFormat.validate(json: create, roomVersion: .v11) }
    }

    @Test func pduParsingValidatesAndComputesTheId() throws {
        let v1 = try PDU(json: Self.validEvent(.v1), roomVersion: .v1)
        #expect(v1.eventId == "$abc:example.org")
        #expect(v1.prevEvents == ["$prev:example.org"])
        let v4 = try PDU(json: Self.validEvent(.v4), roomVersion: .v4)
        #expect(v4.eventId == (try EventID.compute(Self.validEvent(.v4), roomVersion: .v4)))
        #expect(v4.eventId.count == 44 && !v4.eventId.contains("/") && !v4.eventId.contains("+"))
        var bad = Self.validEvent(.v4)
        bad["depth"] = "5"
        #expect(throws: EventFormatError("depth", .wrongType(expected: "integer", found: "string"))) {
            try PDU(json: bad, roomVersion: .v4)
        }
    }
}
