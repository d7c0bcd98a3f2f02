/// The content hash of an event (server-server API, "Calculating the content hash for an event"): SHA-256
/// of the canonical JSON of the whole event without `unsigned`, `signatures` and `hashes`. It lets a
/// receiver tell whether it got the full event or only the redacted form the signature covers.
public enum ContentHash {
    public static func compute(_ event: JSONObject, roomVersion: RoomVersion)
        throws(CanonicalJSON.EncodingError) -> [UInt8]
    {
        var covered = event
        covered["unsigned"] = nil
        covered["signatures"] = nil
        covered["hashes"] = nil
        return SHA256.hash(try EventCanonicalJSON.encode(covered, roomVersion: roomVersion))
    }

    /// The event with `hashes.sha256` set to its content hash; other hash algorithms already present stay.
    public static func adding(to event: JSONObject, roomVersion: RoomVersion)
        throws(CanonicalJSON.EncodingError) -> JSONObject
    {
        let digest = try compute(event, roomVersion: roomVersion)
        var hashes = event["hashes"]?.objectValue ?? [:]
        hashes["sha256"] = .string(Base64.encode(digest))
        var hashed = event
        hashed["hashes"] = .object(hashes)
        return hashed
    }

    /// Checks `hashes.sha256` of a received event; returns normally when it matches. A mismatch means
    /// the receiver should use the redacted event instead.
    public static func check(_ event: JSONObject, roomVersion: RoomVersion) throws(ContentHashError) {
        guard let hashes = event["hashes"] else { throw .missing }
        guard case .object(let entries) = hashes else { throw .malformed("\"hashes\" is a \(hashes.typeName)") }
        guard let value = entries["sha256"] else { throw .missing }
        guard case .string(let text) = value else { throw .malformed("\"hashes.sha256\" is a \(value.typeName)") }
        guard let claimed = Base64.decode(text) else { throw .malformed("\"hashes.sha256\" is not base64") }
        guard claimed.count == SHA256.digestLength else { throw .wrongLength(claimed.count) }
        let actual: [UInt8]
        do {
            actual = try compute(event, roomVersion: roomVersion)
        } catch {
            throw .notCanonical(error.description)
        }
        guard actual == claimed else { throw .mismatch(expected: Base64.encode(actual), found: text) }
    }
}
