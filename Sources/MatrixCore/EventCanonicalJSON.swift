/// Canonical JSON for hashing and signing events. Room versions 6+ enforce the canonical grammar, so a
/// float there is an error; versions 1-5 may carry floats (spec warning under "Canonical JSON") and are
/// written leniently rather than becoming impossible to hash.
public enum EventCanonicalJSON {
    public static func encode(_ event: JSONObject, roomVersion: RoomVersion)
        throws(CanonicalJSON.EncodingError) -> [UInt8]
    {
        roomVersion.strictCanonicalJSON ? try CanonicalJSON.encode(.object(event)) : CanonicalJSON.encodeLenient(.object(event))
    }
}
