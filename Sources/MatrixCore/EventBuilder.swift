/// Finishes an event this server creates: from the draft (`type`, `room_id`, `sender`, `content`,
/// `prev_events`, `auth_events`, `depth`, `origin_server_ts`, optional `state_key`, ...) to a hashed,
/// signed and validated PDU with its event ID. In v1/v2 the draft carries the `event_id` the caller
/// chose; from v3 it must not have one.
public enum EventBuilder {
    public static func build(
        _ draft: JSONObject, roomVersion: RoomVersion, server: ServerName, key: SigningKey
    ) throws(EventFormatError) -> PDU {
        var event = draft
        // Both are recomputed; stale values from a template would only be misleading.
        event["hashes"] = nil
        event["signatures"] = nil
        if roomVersion.eventIDIsHash, event["event_id"] != nil {
            throw EventFormatError(
                "event_id", .notAllowed("room version \(roomVersion) derives event IDs from the reference hash"))
        }
        if roomVersion.roomIDFromCreateEvent, event["type"]?.stringValue == "m.room.create", event["room_id"] != nil {
            throw EventFormatError("room_id", .notAllowed("a room version \(roomVersion) create event has no room_id"))
        }
        // Receivers require the signature of the sender's server, which can only be ours.
        if let sender = event["sender"]?.stringValue, let user = try? UserID(parsing: sender),
            user.serverName != server.description
        {
            throw EventFormatError("sender", .invalid("\(sender) is not a user of \(server), which signs the event"))
        }
        if roomVersion.strictCanonicalJSON { try EventFormat.checkCanonicalNumbers(.object(event), path: "") }
        let signed: JSONObject
        do {
            signed = try EventSigning.sign(event, roomVersion: roomVersion, as: server, with: key)
        } catch {
            throw EventFormatError("event", .notCanonical(error.description))
        }
        return try PDU(json: signed, roomVersion: roomVersion)
    }
}
