/// The reference hash of an event (server-server API, "Calculating the reference hash for an event"):
/// SHA-256 of the canonical JSON of the redacted event without `signatures` and `unsigned`. It covers
/// the content hash, so it pins the whole event.
///
/// v3+ event IDs (and v12 room IDs) are made from it. In v1/v2 the event carries its own `event_id`,
/// which redaction keeps, so the hash covers that ID; there it only appears as the `{"sha256": ...}`
/// half of the `[event_id, hashes]` pairs in `prev_events` and `auth_events`.
public enum ReferenceHash {
    public static func compute(_ event: JSONObject, roomVersion: RoomVersion)
        throws(CanonicalJSON.EncodingError) -> [UInt8]
    {
        var covered = Redaction.redact(event, roomVersion: roomVersion)
        covered["signatures"] = nil
        covered["unsigned"] = nil
        return SHA256.hash(try EventCanonicalJSON.encode(covered, roomVersion: roomVersion))
    }
}
