import MatrixCore
import Testing

/// Appendices, "Event Signing" vectors; reference hashes and IDs were computed independently
/// (Python hashlib over json.dumps canonical form) from the same events.
@Suite struct EventHashTests {
    static let minimalEvent = #"""
        {"room_id": "!x:domain", "sender": "@a:domain", "origin": "domain", "origin_server_ts": 1000000,
         "signatures": {}, "hashes": {}, "type": "X", "content": {}, "prev_events": [], "auth_events": [],
         "depth": 3, "unsigned": {"age_ts": 1000000}}
        """#
    static let minimalSigned = #"""
        {"auth_events": [], "content": {}, "depth": 3,
         "hashes": {"sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"},
         "origin": "domain", "origin_server_ts": 1000000, "prev_events": [], "room_id": "!x:domain",
         "sender": "@a:domain",
         "signatures": {"domain": {"ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"}},
         "type": "X", "unsigned": {"age_ts": 1000000}}
        """#
    static let messageEvent = #"""
        {"content": {"body": "Here is the message content"}, "event_id": "$0:domain", "origin": "domain",
         "origin_server_ts": 1000000, "type": "m.room.message", "room_id": "!r:domain", "sender": "@u:domain",
         "signatures": {}, "unsigned": {"age_ts": 1000000}}
        """#
    static let messageSigned = #"""
        {"content": {"body": "Here is the message content"}, "event_id": "$0:domain",
         "hashes": {"sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"},
         "origin": "domain", "origin_server_ts": 1000000, "type": "m.room.message", "room_id": "!r:domain",
         "sender": "@u:domain",
         "signatures": {"domain": {"ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"}},
         "unsigned": {"age_ts": 1000000}}
        """#

    /// The vectors predate later rules: they sign the redacted form as v1 defines it (keeping `origin`).
    @Test(arguments: [(minimalEvent, minimalSigned), (messageEvent, messageSigned)])
    func appendixEventSigningVectors(input: String, expected: String) throws {
        let signed = try EventSigning.sign(
            try SigningFixtures.object(input), roomVersion: .v1, as: try SigningFixtures.server(),
            with: try SigningFixtures.key())
        #expect(try SigningFixtures.canonical(signed) == SigningFixtures.canonical(try SigningFixtures.object(expected)))
        try EventSigning.verify(signed, roomVersion: .v1, signedBy: "domain", with: VerifyKey(try SigningFixtures.key()))
        try ContentHash.check(signed, roomVersion: .v1)
    }

    @Test func contentHashIgnoresUnsignedSignaturesAndHashes() throws {
        let event = try SigningFixtures.object(Self.minimalEvent)
        let digest = try ContentHash.compute(event, roomVersion: .v11)
        #expect(Base64.encode(digest) == "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos")
        var noisy = event
        noisy["unsigned"] = ["age": 1]
        noisy["signatures"] = ["x": ["ed25519:1": "y"]]
        noisy["hashes"] = ["sha256": "zzz", "sha512": "w"]
        #expect(try ContentHash.compute(noisy, roomVersion: .v11) == digest)
        let hashed = try ContentHash.adding(to: noisy, roomVersion: .v11)
        #expect(hashed["hashes"] == ["sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos", "sha512": "w"])
    }

    @Test func contentHashCheckFailures() throws {
        let signed = try SigningFixtures.object(Self.minimalSigned)
        try ContentHash.check(signed, roomVersion: .v11)

        var tampered = signed
        tampered["content"] = ["body": "changed"]
        #expect(throws: ContentHashError.mismatch(
            expected: Base64.encode(try ContentHash.compute(tampered, roomVersion: .v11)),
            found: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos")) { try ContentHash.check(tampered, roomVersion: .v11) }

        var cases: [(JSONObject, ContentHashError)] = []
        var e = signed
        e["hashes"] = nil; cases.append((e, .missing))
        e["hashes"] = [:]; cases.append((e, .missing))
        e["hashes"] = "x"; cases.append((e, .malformed("\"hashes\" is a string")))
        e["hashes"] = ["sha256": 1]; cases.append((e, .malformed("\"hashes.sha256\" is a number")))
        e["hashes"] = ["sha256": "!!"]; cases.append((e, .malformed("\"hashes.sha256\" is not base64")))
        e["hashes"] = ["sha256": "AAAA"]; cases.append((e, .wrongLength(3)))
        e = signed
        e["content"] = ["f": .double(1.5)]; cases.append((e, .notCanonical("canonical JSON cannot hold the number 1.5")))
        for (event, error) in cases {
            #expect(throws: error) { try ContentHash.check(event, roomVersion: .v11) }
        }
    }

    @Test func floatsAreHashableInRoomVersionsBeforeSix() throws {
        var event = try SigningFixtures.object(Self.minimalEvent)
        event["content"] = ["f": .double(1.5)]
        _ = try ContentHash.compute(event, roomVersion: .v5)
        #expect(throws: CanonicalJSON.EncodingError.self) { try ContentHash.compute(event, roomVersion: .v6) }
    }

    @Test func referenceHashOfAV1Event() throws {
        // Covers `event_id` (which v1 redaction keeps) and drops content, signatures and unsigned.
        let event = try SigningFixtures.object(Self.messageSigned)
        #expect(Base64.encode(try ReferenceHash.compute(event, roomVersion: .v1))
            == "oFAil2fHTGY66j9PIsC3hnc+/6r2SQGxCzd1/FUgtOE")
        var resigned = event
        resigned["signatures"] = [:]
        resigned["unsigned"] = nil
        resigned["content"] = ["body": "redacted anyway"]
        #expect(Base64.encode(try ReferenceHash.compute(resigned, roomVersion: .v1))
            == "oFAil2fHTGY66j9PIsC3hnc+/6r2SQGxCzd1/FUgtOE")
    }

    @Test(arguments: [
        // depth 4: a hash whose standard base64 has '+', to tell v3 from v4.
        (RoomVersion.v3, 4, "$rz1PSG1U9a+MU6xPdlqCkBZkodxHa0lScnkfgIhclhg"),
        (RoomVersion.v4, 4, "$rz1PSG1U9a-MU6xPdlqCkBZkodxHa0lScnkfgIhclhg"),
        (RoomVersion.v10, 3, "$8yif6p8EqgoSten2BLje9ntKm720NyFLWQv9tn8memc"),
        // v11 redaction drops `origin`, so the same event gets another ID.
        (RoomVersion.v11, 3, "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I"),
        (RoomVersion.v12, 3, "$70O_oKlXzFbkfu0KE88USi98DjSWrOELrPj-8tisl8I"),
    ])
    func eventIdsFromTheReferenceHash(version: RoomVersion, depth: Int64, expected: String) throws {
        var event = try SigningFixtures.object(Self.minimalSigned)
        event["depth"] = .int(depth)
        #expect(try EventID.compute(event, roomVersion: version) == expected)
    }

    @Test func senderChosenEventIds() throws {
        let event = try SigningFixtures.object(Self.messageSigned)
        #expect(try EventID.compute(event, roomVersion: .v1) == "$0:domain")
        #expect(try EventID.compute(event, roomVersion: .v2) == "$0:domain")
        var noId = event
        noId["event_id"] = nil
        #expect(throws: EventFormatError("event_id", .missing)) { try EventID.compute(noId, roomVersion: .v2) }
        noId["event_id"] = 5
        #expect(throws: EventFormatError("event_id", .wrongType(expected: "string", found: "number"))) {
            try EventID.compute(noId, roomVersion: .v2)
        }
    }

    static let v12Create = #"""
        {"type": "m.room.create", "state_key": "", "sender": "@alice:example.org",
         "content": {"room_version": "12", "m.federate": true}, "prev_events": [], "auth_events": [], "depth": 1,
         "origin_server_ts": 1700000000000, "signatures": {}, "unsigned": {"age": 5},
         "hashes": {"sha256": "yxuBvphseAD2OLLgsoAkTALKWMZ42XgKDjN2YNIfu3k"}}
        """#

    @Test func v12RoomIdFromTheCreateEvent() throws {
        let create = try SigningFixtures.object(Self.v12Create)
        try ContentHash.check(create, roomVersion: .v12)
        let roomId = try RoomID.fromCreateEvent(create, roomVersion: .v12)
        #expect(roomId == "!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8")
        #expect(RoomID.isHashRoomId(roomId))
        #expect(try "$" + roomId.dropFirst() == EventID.compute(create, roomVersion: .v12))
        let pdu = PDU(eventId: try EventID.compute(create, roomVersion: .v12), roomVersion: .v12, json: create)
        #expect(pdu.roomId == nil)
        #expect(pdu.resolvedRoomId == roomId)
    }

    @Test func v12RoomIdRefusals() throws {
        let create = try SigningFixtures.object(Self.v12Create)
        #expect(throws: EventFormatError.self) { try RoomID.fromCreateEvent(create, roomVersion: .v11) }
        var withRoomId = create
        withRoomId["room_id"] = "!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8"
        #expect(throws: EventFormatError.self) { try RoomID.fromCreateEvent(withRoomId, roomVersion: .v12) }
        var notCreate = create
        notCreate["type"] = "m.room.member"
        #expect(throws: EventFormatError.self) { try RoomID.fromCreateEvent(notCreate, roomVersion: .v12) }
    }

    @Test(arguments: [
        ("!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8", true),
        ("!BFtIQV3bUIEtKpdsAE4X5auERsX7I27+Evy4pePGYV8", false),  // standard alphabet
        ("!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV9", false),  // non-zero padding bits
        ("!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV", false),
        ("!abc:example.org", false),
        ("$BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8", false),
    ])
    func hashRoomIdGrammar(id: String, valid: Bool) {
        #expect(RoomID.isHashRoomId(id) == valid)
    }

    @Test func requiredSigners() throws {
        let v1Event = try SigningFixtures.object(#"{"sender": "@u:a.example", "event_id": "$x:b.example:8448"}"#)
        #expect(EventSigning.requiredSigners(v1Event, roomVersion: .v1) == ["a.example", "b.example:8448"])
        #expect(EventSigning.requiredSigners(v1Event, roomVersion: .v3) == ["a.example"])
    }
}
