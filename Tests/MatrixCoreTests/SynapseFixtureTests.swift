import Foundation
import MatrixCore
import Testing

/// Differential tests: MatrixCore must give Synapse's answers on the fixtures that
/// `scripts/synapse-fixtures/generate.py` wrote with Synapse's own code (versions in its README).
enum SynapseFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/synapse")

    static func load(_ name: String) -> JSONValue {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)),
            let value = try? JSONParser.parse(Array(data), options: .init(maxDepth: 512))
        else { return .null }
        return value
    }

    static func object(_ value: JSONValue?) -> JSONObject { value?.objectValue ?? [:] }

    /// A fixture PDU: the JSON Synapse sent (with `event_id` added by the generator for v3+, where it
    /// is not part of the event) and its ID.
    static func pdu(_ json: JSONValue, _ version: RoomVersion) -> PDU? {
        var object = json.objectValue ?? [:]
        guard let id = object["event_id"]?.stringValue else { return nil }
        if version.eventIDIsHash { object["event_id"] = nil }
        return PDU(eventId: id, roomVersion: version, json: object)
    }

    static func stateKey(_ key: String) -> StateTuple {
        let type = key.prefix { $0 != "|" }
        return StateTuple(type: String(type), stateKey: String(key.dropFirst(type.count + 1)))
    }
}

@Suite struct SynapseCanonicalJSONTests {
    static let cases = SynapseFixtures.load("canonical_json.json").arrayValue ?? []

    @Test func fixturesArePresent() {
        #expect(Self.cases.count >= 60)
    }

    @Test func canonicalJSONMatchesSynapse() throws {
        for (index, fixture) in Self.cases.enumerated() {
            let input = try #require(fixture["input"]?.stringValue)
            let expected = try #require(fixture["canonical"]?.stringValue)
            let parsed: JSONValue
            do {
                parsed = try JSONParser.parse(input)
            } catch {
                Issue.record("case \(index) \(input): \(error)")
                continue
            }
            #expect(try CanonicalJSON.string(parsed) == expected, "case \(index): \(input)")
        }
    }
}

@Suite struct SynapseSigningTests {
    static let cases = SynapseFixtures.load("signing.json").arrayValue ?? []

    @Test func signaturesMatchSynapse() throws {
        #expect(Self.cases.count >= 30)
        var resigned = 0
        for (index, fixture) in Self.cases.enumerated() {
            let seed = try #require(fixture["seed"]?.stringValue.flatMap(Base64.decode))
            let version = try #require(fixture["key_version"]?.stringValue)
            let server = try #require(fixture["server_name"]?.stringValue)
            let object = SynapseFixtures.object(fixture["object"])
            let signed = SynapseFixtures.object(fixture["signed"])
            let verifyKey = try VerifyKey(keyId: "ed25519:\(version)",
                                          base64: try #require(fixture["verify_key"]?.stringValue))
            try JSONSigning.verify(signed, signedBy: server, with: verifyKey)
            // Our own signature is byte-identical where our key-version grammar admits the version.
            if let key = try? SigningKey(version: version, seed: seed) {
                #expect(key.publicKey == verifyKey.publicKey, "case \(index)")
                let ours = try JSONSigning.sign(object, as: try ServerName(parsing: server), with: key)
                #expect(JSONValue.object(ours) == JSONValue.object(signed), "case \(index)")
                resigned += 1
            }
        }
        #expect(resigned >= 25)
    }
}

@Suite struct SynapseEventTests {
    static let byVersion = SynapseFixtures.object(SynapseFixtures.load("events.json"))

    @Test(arguments: RoomVersion.all)
    func hashesIdsAndRedactionsMatchSynapse(version: RoomVersion) throws {
        let cases = Self.byVersion[version.identifier]?.arrayValue ?? []
        #expect(cases.count >= 15)
        for (index, fixture) in cases.enumerated() {
            let event = SynapseFixtures.object(fixture["event"])
            let label = "v\(version) case \(index) \(event["type"]?.stringValue ?? "")"
            try EventFormat.validate(json: event, roomVersion: version)
            try ContentHash.check(event, roomVersion: version)
            #expect(Base64.encode(try ContentHash.compute(event, roomVersion: version))
                    == fixture["content_hash"]?.stringValue, "\(label) content hash")
            #expect(Base64.encode(try ReferenceHash.compute(event, roomVersion: version))
                    == fixture["reference_hash"]?.stringValue, "\(label) reference hash")
            #expect(try EventID.compute(event, roomVersion: version) == fixture["event_id"]?.stringValue, "\(label) ID")
            // Synapse leaves an emptied `unsigned` on redacted events; the spec's algorithm drops it, and
            // neither hashing nor signing looks at it.
            var theirs = SynapseFixtures.object(fixture["redacted"])
            theirs["unsigned"] = nil
            let ours = Redaction.redact(event, roomVersion: version)
            let keyDifference = Set(ours.keys).symmetricDifference(theirs.keys).sorted()
            let contentSame = ours["content"] == theirs["content"]
            #expect(ours == theirs, "\(label) redaction differs: keys \(keyDifference), content same: \(contentSame)")
            if let roomId = fixture["room_id_from_create"]?.stringValue {
                #expect(try RoomID.fromCreateEvent(event, roomVersion: version) == roomId, "\(label) room ID")
            }
        }
    }
}

@Suite struct SynapseAuthTests {
    static let cases = SynapseFixtures.load("auth.json").arrayValue ?? []

    /// Our verdict as Synapse reaches it on receipt: the event must parse, its auth events must be the
    /// right selection, and the rules must allow it against them.
    static func verdict(_ fixture: JSONValue) -> (allowed: Bool, reason: String) {
        guard let versionName = fixture["room_version"]?.stringValue, let version = RoomVersion.named(versionName) else {
            return (false, "unknown room version")
        }
        var eventJSON = SynapseFixtures.object(fixture["event"])
        let id = eventJSON["event_id"]?.stringValue
        if version.eventIDIsHash { eventJSON["event_id"] = nil }
        do {
            try EventFormat.validate(json: eventJSON, roomVersion: version)
        } catch {
            return (false, "format: \(error)")
        }
        guard let id else { return (false, "no event ID") }
        let event = PDU(eventId: id, roomVersion: version, json: eventJSON)
        let authEvents = (fixture["auth_events"]?.arrayValue ?? []).compactMap { SynapseFixtures.pdu($0, version) }
        if case .reject(let reason) = AuthRules.checkAuthEventsSelection(event, authEvents: authEvents) {
            return (false, reason)
        }
        var state: [StateTuple: PDU] = [:]
        for authEvent in authEvents { if let tuple = authEvent.stateTuple { state[tuple] = authEvent } }
        switch AuthRules.check(event, state: { state[$0] }) {
        case .allow: return (true, "allowed")
        case .reject(let reason): return (false, reason)
        }
    }

    @Test func verdictsMatchSynapse() {
        #expect(Self.cases.count >= 400)
        var mismatches: [String] = []
        for fixture in Self.cases {
            let ours = Self.verdict(fixture)
            let theirs = fixture["allowed"]?.boolValue ?? false
            if ours.allowed != theirs {
                mismatches.append("\(fixture["name"]?.stringValue ?? "?") v\(fixture["room_version"]?.stringValue ?? "?"): "
                    + "Synapse \(theirs ? "allows" : "rejects (\(fixture["synapse_error"]?.stringValue ?? ""))"), "
                    + "we say \(ours.reason)")
            }
        }
        let report = "\(mismatches.count) of \(Self.cases.count) differ:\n" + mismatches.joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(report)")
    }
}

@Suite struct SynapseStateResolutionTests {
    static let cases = ["1", "2", "10", "11", "12"].flatMap {
        SynapseFixtures.load("state_res_v\($0).json").arrayValue ?? []
    }

    struct Lookup: StateResolutionLookup {
        let events: [String: PDU]
        func event(_ id: String) async throws -> PDU? { events[id] }
    }

    @Test func resolvedStatesMatchSynapse() async throws {
        #expect(Self.cases.count >= 200)
        var mismatches: [String] = []
        for fixture in Self.cases {
            let version = try #require(fixture["room_version"]?.stringValue.flatMap(RoomVersion.named))
            var events: [String: PDU] = [:]
            for json in fixture["events"]?.arrayValue ?? [] {
                if let pdu = SynapseFixtures.pdu(json, version) { events[pdu.eventId] = pdu }
            }
            let stateSets = (fixture["state_sets"]?.arrayValue ?? []).map { set in
                Dictionary(uniqueKeysWithValues: SynapseFixtures.object(set).compactMap { key, value in
                    value.stringValue.map { (SynapseFixtures.stateKey(key), $0) }
                })
            }
            let expected = Dictionary(uniqueKeysWithValues: SynapseFixtures.object(fixture["resolved"]).compactMap {
                key, value in value.stringValue.map { (SynapseFixtures.stateKey(key), $0) }
            })
            let resolved = try await StateResolution.resolve(
                roomVersion: version, stateSets: stateSets, lookup: Lookup(events: events))
            if resolved != expected {
                let differing = Set(resolved.keys).union(expected.keys).filter { resolved[$0] != expected[$0] }
                    .sorted().map { "\($0): ours \(resolved[$0] ?? "-") Synapse \(expected[$0] ?? "-")" }
                mismatches.append("\(fixture["name"]?.stringValue ?? "?") v\(version): " + differing.joined(separator: "; "))
            }
        }
        let report = "\(mismatches.count) of \(Self.cases.count) differ:\n" + mismatches.joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(report)")
    }
}
