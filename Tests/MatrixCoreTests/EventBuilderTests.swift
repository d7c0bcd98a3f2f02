import MatrixCore
import Testing

@Suite struct EventBuilderTests {
    static func draft(_ version: RoomVersion, roomId: String = "!room:domain") -> JSONObject {
        var draft: JSONObject = [
            "type": "m.room.member", "state_key": "@bob:domain", "sender": "@bob:domain", "room_id": .string(roomId),
            "content": ["membership": "join", "displayname": "Bob"], "depth": 7, "origin_server_ts": 1_700_000_000_123,
            "prev_events": ["$prev"], "auth_events": ["$create", "$power", "$join_rules"],
            "unsigned": ["age_ts": 1_700_000_000_123],
        ]
        if !version.eventIDIsHash {
            draft["event_id"] = "$chosen1:domain"
            draft["prev_events"] = [["$prev:domain", ["sha256": "aGFzaA"]]]
            draft["auth_events"] = [["$create:domain", ["sha256": "aGFzaA"]]]
        }
        if version.roomIDFromCreateEvent { draft["room_id"] = .string(EventFormatTests.v12RoomId) }
        return draft
    }

    @Test(arguments: RoomVersion.all)
    func roundTrip(version: RoomVersion) throws {
        let key = try SigningFixtures.key()
        let pdu = try EventBuilder.build(
            Self.draft(version), roomVersion: version, server: try SigningFixtures.server(), key: key)

        // What a receiver does: parse (validate + ID), check the signature and the content hash.
        let received = try PDU(json: pdu.json, roomVersion: version)
        #expect(received == pdu)
        try EventSigning.verify(pdu.json, roomVersion: version, signedBy: "domain", with: VerifyKey(key))
        try ContentHash.check(pdu.json, roomVersion: version)
        #expect(EventSigning.requiredSigners(pdu.json, roomVersion: version) == ["domain"])
        #expect(try EventID.compute(pdu.json, roomVersion: version) == pdu.eventId)
        #expect(pdu.json["unsigned"] == ["age_ts": 1_700_000_000_123])

        // The signature still checks on the redacted copy; the content hash no longer matches it.
        let redacted = Redaction.redact(pdu.json, roomVersion: version)
        try EventSigning.verify(redacted, roomVersion: version, signedBy: "domain", with: VerifyKey(key))
        #expect(throws: ContentHashError.self) { try ContentHash.check(redacted, roomVersion: version) }
        // Redaction keeps the event ID.
        #expect(try EventID.compute(redacted, roomVersion: version) == pdu.eventId)

        switch version.eventIDFormat {
        case .senderChosen: #expect(pdu.eventId == "$chosen1:domain")
        case .referenceHashStandard, .referenceHashURLSafe: #expect(pdu.eventId.utf8.count == 44)
        }
    }

    @Test(arguments: RoomVersion.all)
    func tamperingIsDetected(version: RoomVersion) throws {
        let key = try SigningFixtures.key()
        let pdu = try EventBuilder.build(
            Self.draft(version), roomVersion: version, server: try SigningFixtures.server(), key: key)
        // Content is covered by the hash only; the signature survives.
        var content = pdu.json
        content["content"] = ["membership": "join", "displayname": "Mallory"]
        try EventSigning.verify(content, roomVersion: version, signedBy: "domain", with: VerifyKey(key))
        #expect(throws: ContentHashError.self) { try ContentHash.check(content, roomVersion: version) }
        // Protected keys are covered by the signature.
        var membership = pdu.json
        membership["content"] = ["membership": "leave", "displayname": "Bob"]
        #expect(throws: SignatureError(server: "domain", keyId: "ed25519:1", reason: .mismatch)) {
            try EventSigning.verify(membership, roomVersion: version, signedBy: "domain", with: VerifyKey(key))
        }
    }

    @Test func v12CreateEventGivesTheRoomItsId() throws {
        let key = try SigningFixtures.key()
        let server = try SigningFixtures.server()
        let create = try EventBuilder.build(
            [
                "type": "m.room.create", "state_key": "", "sender": "@alice:domain",
                "content": ["room_version": "12"], "depth": 1, "origin_server_ts": 1_700_000_000_000,
                "prev_events": [], "auth_events": [],
            ], roomVersion: .v12, server: server, key: key)
        let roomId = try RoomID.fromCreateEvent(create.json, roomVersion: .v12)
        #expect(roomId == "!" + create.eventId.dropFirst())
        #expect(create.resolvedRoomId == roomId)
        let join = try EventBuilder.build(
            Self.draft(.v12).merging(["room_id": .string(roomId), "auth_events": []]) { $1 },
            roomVersion: .v12, server: server, key: key)
        #expect(join.roomId == roomId)
        #expect(join.resolvedRoomId == roomId)
    }

    @Test func staleHashesAndSignaturesAreReplaced() throws {
        var draft = Self.draft(.v11)
        draft["hashes"] = ["sha256": "stale"]
        draft["signatures"] = ["elsewhere": ["ed25519:x": "stale"]]
        let pdu = try EventBuilder.build(draft, roomVersion: .v11, server: try SigningFixtures.server(), key: try SigningFixtures.key())
        #expect(pdu.json["signatures"]?.objectValue?.keys.sorted() == ["domain"])
        #expect(pdu.json["hashes"]?["sha256"] != "stale")
    }

    @Test(arguments: [
        EventFormatTests.Case(.v4, "event_id", "$x:domain", "event_id", "derives event IDs"),
        EventFormatTests.Case(.v2, "event_id", nil, "event_id", "missing"),
        EventFormatTests.Case(.v11, "sender", "@bob:elsewhere.org", "sender", "not a user of domain"),
        EventFormatTests.Case(.v6, "content", ["f": .double(0.5)], "content.f", "float 0.5"),
        EventFormatTests.Case(.v11, "depth", nil, "depth", "missing"),
        EventFormatTests.Case(.v11, "sender", "bob", "sender", "starts with '@'"),
    ])
    func refusals(testCase: EventFormatTests.Case) throws {
        var draft = Self.draft(testCase.version)
        draft[testCase.key] = testCase.value
        let server = try SigningFixtures.server()
        let key = try SigningFixtures.key()
        do {
            _ = try EventBuilder.build(draft, roomVersion: testCase.version, server: server, key: key)
            Issue.record("built")
        } catch {
            #expect(error.field == testCase.field, "\(error.description)")
            #expect(error.description.contains(testCase.expected), "\(error.description)")
        }
    }

    @Test func refusesAV12CreateEventWithARoomId() throws {
        #expect(throws: EventFormatError("room_id", .notAllowed("a room version 12 create event has no room_id"))) {
            try EventBuilder.build(
                [
                    "type": "m.room.create", "state_key": "", "sender": "@alice:domain", "room_id": "!x:domain",
                    "content": [:], "depth": 1, "origin_server_ts": 1, "prev_events": [], "auth_events": [],
                ], roomVersion: .v12, server: try SigningFixtures.server(), key: try SigningFixtures.key())
        }
    }
}
