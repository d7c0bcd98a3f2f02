/// Hashing and signing events (server-server API, "Signing events"). The signature covers the
/// redacted event, which includes the content hash, so it still checks when only the redacted form is
/// received, while the content hash tells whether the full content is genuine.
public enum EventSigning {
    /// `event` with `hashes.sha256` set and our signature of its redacted form added to `signatures`.
    public static func sign(
        _ event: JSONObject, roomVersion: RoomVersion, as server: ServerName, with key: SigningKey
    ) throws(JSONSigning.SigningError) -> JSONObject {
        var hashed: JSONObject
        do {
            hashed = try ContentHash.adding(to: event, roomVersion: roomVersion)
        } catch {
            throw JSONSigning.SigningError(description: "cannot hash the event: \(error.description)")
        }
        let redacted = Redaction.redact(hashed, roomVersion: roomVersion)
        let signed = try JSONSigning.sign(
            redacted, as: server.description, with: key, strictCanonical: roomVersion.strictCanonicalJSON)
        hashed["signatures"] = signed["signatures"]
        return hashed
    }

    /// Checks the signature of `server` with `key` on the redacted form of `event`; works alike for a
    /// full event and an already-redacted copy.
    public static func verify(
        _ event: JSONObject, roomVersion: RoomVersion, signedBy server: String, with key: VerifyKey
    ) throws(SignatureError) {
        try JSONSigning.verify(
            Redaction.redact(event, roomVersion: roomVersion), signedBy: server, with: key,
            strictCanonical: roomVersion.strictCanonicalJSON)
    }

    /// The servers whose signatures an event needs: the `sender`'s server, and in v1/v2 also the server
    /// in `event_id`. Third-party invites, where the sending server may differ, are the caller's case.
    /// Malformed identifiers contribute nothing (format validation refuses them first).
    public static func requiredSigners(_ event: JSONObject, roomVersion: RoomVersion) -> Set<String> {
        var servers: Set<String> = []
        if let sender = event["sender"]?.stringValue, let user = try? UserID(parsing: sender) {
            servers.insert(user.serverName)
        }
        if roomVersion.eventIDFormat == .senderChosen, let eventId = event["event_id"]?.stringValue,
            let colon = eventId.firstIndex(of: ":")
        {
            servers.insert(String(eventId[eventId.index(after: colon)...]))
        }
        return servers
    }
}
