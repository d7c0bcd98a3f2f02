/// Room IDs that are derived rather than chosen. From room version 12 a room's ID is the event ID of
/// its `m.room.create` event with the sigil `!` instead of `$` (appendices, "Room IDs"), i.e. `!` plus
/// URL-safe unpadded base64 of the create event's reference hash; the create event itself has no
/// `room_id`.
public enum RoomID {
    /// The ID of the room `createEvent` creates, for versions with `roomIDFromCreateEvent`.
    public static func fromCreateEvent(_ createEvent: JSONObject, roomVersion: RoomVersion)
        throws(EventFormatError) -> String
    {
        guard roomVersion.roomIDFromCreateEvent else {
            throw EventFormatError(
                "room_id", .notAllowed("room version \(roomVersion) carries the room ID in the create event's room_id"))
        }
        guard createEvent["type"]?.stringValue == "m.room.create" else {
            throw EventFormatError("type", .invalid("the room ID derives from an m.room.create event"))
        }
        guard createEvent["room_id"] == nil else {
            throw EventFormatError("room_id", .notAllowed("a room version \(roomVersion) create event has no room_id"))
        }
        let eventId = try EventID.compute(createEvent, roomVersion: roomVersion)
        return "!" + eventId.dropFirst()
    }

    /// Whether `id` has the v12 form: `!` and the 43 URL-safe base64 characters of a SHA-256 digest.
    public static func isHashRoomId(_ id: String) -> Bool {
        guard id.hasPrefix("!") else { return false }
        let body = id.utf8.dropFirst()
        let isURLSafe = body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default: return false
            }
        }
        guard isURLSafe, let digest = Base64.decode(String(id.dropFirst())) else { return false }
        // Re-encoding rejects non-zero padding bits, so each room has exactly one spelling.
        return digest.count == SHA256.digestLength && Base64.encode(digest, urlSafe: true) == String(id.dropFirst())
    }
}

extension PDU {
    /// The room this event belongs to: `room_id`, or for a v12 create event (which has none) the ID it
    /// gives its room.
    public var resolvedRoomId: String? {
        if let roomId { return roomId }
        guard roomVersion.roomIDFromCreateEvent, type == "m.room.create", eventId.hasPrefix("$") else { return nil }
        return "!" + eventId.dropFirst()
    }
}
