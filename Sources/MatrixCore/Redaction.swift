/// The redaction algorithm (room versions' "Redactions" sections): what is left of an event once it is
/// redacted. Signatures and reference hashes cover this redacted form, so it must match other servers
/// byte for byte.
public enum Redaction {
    /// Top-level keys that survive redaction in every variant.
    private static let commonTopLevelKeys: Set<String> = [
        "event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures", "depth",
        "prev_events", "auth_events", "origin_server_ts",
    ]
    /// Also kept before v11, which stopped protecting them.
    private static let preV11TopLevelKeys: Set<String> = ["origin", "membership", "prev_state"]

    private static let powerLevelKeys: Set<String> = [
        "ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default",
    ]

    /// The redacted copy of `event` under the rules of `roomVersion`. `unsigned` and every other
    /// unprotected key are dropped; a non-object `content` becomes `{}`.
    public static func redact(_ event: JSONObject, roomVersion: RoomVersion) -> JSONObject {
        let rules = roomVersion.redaction
        var redacted: JSONObject = [:]
        for (key, value) in event
        where commonTopLevelKeys.contains(key) || (rules != .v11 && preV11TopLevelKeys.contains(key)) {
            redacted[key] = value
        }
        if let content = event["content"] {
            let type = event["type"]?.stringValue ?? ""
            redacted["content"] = .object(redactContent(content.objectValue ?? [:], type: type, roomVersion: roomVersion))
        }
        return redacted
    }

    /// The content keys an event of `type` keeps.
    static func redactContent(_ content: JSONObject, type: String, roomVersion: RoomVersion)
        -> JSONObject
    {
        let rules = roomVersion.redaction
        var kept: Set<String>
        switch type {
        case "m.room.member":
            kept = ["membership"]
            if rules == .v9 || rules == .v11 { kept.insert("join_authorised_via_users_server") }
        case "m.room.create":
            if rules == .v11 { return content }
            kept = ["creator"]
        case "m.room.join_rules":
            kept = ["join_rule"]
            if roomVersion.redactionKeepsJoinRuleAllow { kept.insert("allow") }
        case "m.room.power_levels":
            kept = powerLevelKeys
            if rules == .v11 { kept.insert("invite") }
        case "m.room.history_visibility":
            kept = ["history_visibility"]
        case "m.room.aliases" where rules == .v1:
            kept = ["aliases"]
        case "m.room.redaction" where rules == .v11:
            kept = ["redacts"]
        default:
            kept = []
        }
        var result = content.filter { kept.contains($0.key) }
        // v11: a member event keeps only `signed` inside `third_party_invite`. Without a `signed` key
        // nothing of it is protected, so the key goes entirely.
        if rules == .v11, type == "m.room.member",
            case .object(let invite)? = content["third_party_invite"], let signed = invite["signed"]
        {
            result["third_party_invite"] = .object(["signed": signed])
        }
        return result
    }
}

extension RoomVersion {
    /// Whether `m.room.join_rules` keeps `allow` when redacted. Room version 8 added it in its own
    /// redaction section, though `redaction` is `.v6` for v6-v8; it came with restricted joins.
    public var redactionKeepsJoinRuleAllow: Bool { restrictedJoins }
}
