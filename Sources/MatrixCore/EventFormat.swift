/// The format check every received PDU passes before anything else (server-server API, "Checks performed
/// on receipt of a PDU", step 1): the keys of the room version's PDU schema with their types, the size
/// limits, and for strict canonical JSON versions the number rules. An event that fails is dropped.
/// Authorisation questions (such as a v12 create event carrying a `room_id`) are left to the auth rules.
public enum EventFormat {
    /// The whole event as canonical JSON, signatures included.
    public static let maxEventBytes = 65_536
    /// `sender`, `room_id`, `state_key`, `type`, `event_id` and the IDs in `prev_events`/`auth_events`.
    public static let maxIdentifierBytes = 255
    /// From the PDU schemas: "Must contain less than or equal to" these many events.
    public static let maxPrevEvents = 20
    public static let maxAuthEvents = 10

    public static func validate(json event: JSONObject, roomVersion: RoomVersion) throws(EventFormatError) {
        // The size check comes first: it bounds the work of everything after it.
        let size = CanonicalJSON.encodeLenient(.object(event)).count
        guard size <= maxEventBytes else { throw EventFormatError("event", .tooLarge(bytes: size, limit: maxEventBytes)) }

        let type = try string(event, "type")
        try checkLength(type, "type")
        try checkSender(event)
        try checkRoomId(event, type: type, roomVersion: roomVersion)
        if let stateKey = try optionalString(event, "state_key") { try checkLength(stateKey, "state_key") }
        _ = try integer(event, "origin_server_ts")
        _ = try integer(event, "depth")
        try require(event, "content", as: "object") { $0.objectValue != nil }
        try checkHashes(event)
        try checkSignatures(event)
        if event["unsigned"] != nil { try require(event, "unsigned", as: "object") { $0.objectValue != nil } }
        _ = try optionalString(event, "redacts")
        if roomVersion.eventIDFormat == .senderChosen {
            let eventId = try string(event, "event_id")
            try checkSenderChosenEventId(eventId, field: "event_id")
        }
        try checkEventReferences(event, "prev_events", limit: maxPrevEvents, roomVersion: roomVersion)
        try checkEventReferences(event, "auth_events", limit: maxAuthEvents, roomVersion: roomVersion)
        if roomVersion.strictCanonicalJSON { try checkCanonicalNumbers(.object(event), path: "") }
    }

    /// Strict canonical JSON (v6+): no floats, integers within ±(2^53 - 1), anywhere in `value`.
    /// `path` is the field name of `value` ("" for the event itself).
    static func checkCanonicalNumbers(_ value: JSONValue, path: String) throws(EventFormatError) {
        switch value {
        case .double(let d): throw EventFormatError(path, .float(d))
        case .int(let i):
            guard i >= -JSONParser.maxSafeInteger, i <= JSONParser.maxSafeInteger else {
                throw EventFormatError(path, .integerOutOfRange(i))
            }
        case .array(let items):
            for (index, item) in items.enumerated() { try checkCanonicalNumbers(item, path: "\(path)[\(index)]") }
        case .object(let members):
            // Sorted, so the same event always reports the same field.
            for key in members.keys.sorted() {
                if let member = members[key] {
                    try checkCanonicalNumbers(member, path: path.isEmpty ? key : "\(path).\(key)")
                }
            }
        case .null, .bool, .string: break
        }
    }

    // MARK: Fields

    private static func checkSender(_ event: JSONObject) throws(EventFormatError) {
        let sender = try string(event, "sender")
        try checkLength(sender, "sender")
        do {
            // The historical grammar: other servers' older users may still send.
            _ = try UserID(parsing: sender)
        } catch {
            throw EventFormatError("sender", .invalid(error.description))
        }
    }

    private static func checkRoomId(_ event: JSONObject, type: String, roomVersion: RoomVersion)
        throws(EventFormatError)
    {
        // v12: the create event has no room ID (its ID is the room ID); whether one is present anyway
        // is an auth rule, so it is only type-checked here.
        let roomId: String
        if roomVersion.roomIDFromCreateEvent && type == "m.room.create" {
            guard let present = try optionalString(event, "room_id") else { return }
            roomId = present
        } else {
            roomId = try string(event, "room_id")
        }
        try checkLength(roomId, "room_id")
        guard roomId.hasPrefix("!") else { throw EventFormatError("room_id", .invalid("a room ID starts with '!'")) }
        if roomVersion.roomIDFromCreateEvent {
            guard RoomID.isHashRoomId(roomId) else {
                throw EventFormatError(
                    "room_id", .invalid("a room ID in room version \(roomVersion) is '!' and 43 URL-safe base64 characters"))
            }
        } else {
            try checkDomainIdentifier(roomId, field: "room_id", kind: "room ID")
        }
    }

    private static func checkSenderChosenEventId(_ eventId: String, field: String) throws(EventFormatError) {
        try checkLength(eventId, field)
        guard eventId.hasPrefix("$") else { throw EventFormatError(field, .invalid("an event ID starts with '$'")) }
        try checkDomainIdentifier(eventId, field: field, kind: "event ID")
    }

    /// `<sigil>opaque:domain`: a non-empty opaque part without NUL, and a valid server name.
    private static func checkDomainIdentifier(_ id: String, field: String, kind: String) throws(EventFormatError) {
        let body = id.dropFirst()
        guard let colon = body.firstIndex(of: ":") else {
            throw EventFormatError(field, .invalid("a \(kind) in this room version has the form \(id.prefix(1))opaque:domain"))
        }
        let opaque = body[..<colon]
        guard !opaque.isEmpty, !opaque.unicodeScalars.contains("\0") else {
            throw EventFormatError(field, .invalid("the opaque part of a \(kind) must be non-empty and without NUL"))
        }
        do {
            _ = try ServerName(parsing: String(body[body.index(after: colon)...]))
        } catch {
            throw EventFormatError(field, .invalid("bad domain: \(error.description)"))
        }
    }

    private static func checkHashes(_ event: JSONObject) throws(EventFormatError) {
        try require(event, "hashes", as: "object") { $0.objectValue != nil }
        guard let sha256 = event["hashes"]?["sha256"] else { throw EventFormatError("hashes.sha256", .missing) }
        guard sha256.stringValue != nil else {
            throw EventFormatError("hashes.sha256", .wrongType(expected: "string", found: typeName(sha256)))
        }
    }

    /// `{server: {key_id: signature}}`.
    private static func checkSignatures(_ event: JSONObject) throws(EventFormatError) {
        try require(event, "signatures", as: "object") { $0.objectValue != nil }
        let servers = event["signatures"]?.objectValue ?? [:]
        for server in servers.keys.sorted() {
            guard let entry = servers[server] else { continue }
            guard case .object(let keys) = entry else {
                throw EventFormatError("signatures.\(server)", .wrongType(expected: "object", found: typeName(entry)))
            }
            for keyId in keys.keys.sorted() {
                if let signature = keys[keyId], signature.stringValue == nil {
                    throw EventFormatError(
                        "signatures.\(server).\(keyId)", .wrongType(expected: "string", found: typeName(signature)))
                }
            }
        }
    }

    /// `prev_events`/`auth_events`: event IDs from v3, `[event_id, {"sha256": hash}]` pairs in v1/v2.
    private static func checkEventReferences(
        _ event: JSONObject, _ field: String, limit: Int, roomVersion: RoomVersion
    ) throws(EventFormatError) {
        guard let value = event[field] else { throw EventFormatError(field, .missing) }
        guard case .array(let items) = value else {
            throw EventFormatError(field, .wrongType(expected: "array", found: typeName(value)))
        }
        guard items.count <= limit else { throw EventFormatError(field, .tooMany(count: items.count, limit: limit)) }
        for (index, item) in items.enumerated() {
            let path = "\(field)[\(index)]"
            if roomVersion.eventIDIsHash {
                guard case .string(let id) = item else {
                    throw EventFormatError(path, .wrongType(expected: "event ID string", found: typeName(item)))
                }
                try checkReferencedId(id, path)
            } else {
                guard case .array(let pair) = item, pair.count == 2 else {
                    throw EventFormatError(path, .wrongType(expected: "[event_id, hashes] pair", found: typeName(item)))
                }
                guard case .string(let id) = pair[0] else {
                    throw EventFormatError("\(path)[0]", .wrongType(expected: "event ID string", found: typeName(pair[0])))
                }
                try checkReferencedId(id, "\(path)[0]")
                guard case .object(let hashes) = pair[1] else {
                    throw EventFormatError("\(path)[1]", .wrongType(expected: "object", found: typeName(pair[1])))
                }
                guard let sha256 = hashes["sha256"] else { throw EventFormatError("\(path)[1].sha256", .missing) }
                guard sha256.stringValue != nil else {
                    throw EventFormatError("\(path)[1].sha256", .wrongType(expected: "string", found: typeName(sha256)))
                }
            }
        }
    }

    private static func checkReferencedId(_ id: String, _ path: String) throws(EventFormatError) {
        try checkLength(id, path)
        guard id.hasPrefix("$") else { throw EventFormatError(path, .invalid("an event ID starts with '$'")) }
    }

    // MARK: Helpers

    private static func checkLength(_ value: String, _ field: String) throws(EventFormatError) {
        let bytes = value.utf8.count
        guard bytes <= maxIdentifierBytes else {
            throw EventFormatError(field, .tooLong(bytes: bytes, limit: maxIdentifierBytes))
        }
    }

    private static func string(_ event: JSONObject, _ key: String) throws(EventFormatError) -> String {
        guard let value = try optionalString(event, key) else { throw EventFormatError(key, .missing) }
        return value
    }

    private static func optionalString(_ event: JSONObject, _ key: String) throws(EventFormatError) -> String? {
        guard let value = event[key] else { return nil }
        guard case .string(let text) = value else {
            throw EventFormatError(key, .wrongType(expected: "string", found: typeName(value)))
        }
        return text
    }

    private static func integer(_ event: JSONObject, _ key: String) throws(EventFormatError) -> Int64 {
        guard let value = event[key] else { throw EventFormatError(key, .missing) }
        guard case .int(let number) = value else {
            throw EventFormatError(key, .wrongType(expected: "integer", found: typeName(value)))
        }
        return number
    }

    private static func require(
        _ event: JSONObject, _ key: String, as expected: String, _ isValid: (JSONValue) -> Bool
    ) throws(EventFormatError) {
        guard let value = event[key] else { throw EventFormatError(key, .missing) }
        guard isValid(value) else { throw EventFormatError(key, .wrongType(expected: expected, found: typeName(value))) }
    }

    /// Like `JSONValue.typeName`, but tells a float from an integer, which is what number errors are about.
    private static func typeName(_ value: JSONValue) -> String {
        if case .double = value { return "float" }
        if case .int = value { return "integer" }
        return value.typeName
    }
}
