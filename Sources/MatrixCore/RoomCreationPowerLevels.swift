/// The `m.room.power_levels` content a new room starts with (`POST /createRoom` step 3), and the
/// checks a client-supplied one must pass before any event of the room is sent.
enum RoomCreationPowerLevels {
    /// The top-level levels, each a canonical JSON integer when present.
    static let levelKeys = ["ban", "events_default", "invite", "kick", "redact", "state_default", "users_default"]

    /// Synapse's defaults, which clients have come to expect: room administration (power levels,
    /// history visibility, server ACLs, encryption, tombstone) needs 100, and from room version 12,
    /// where creators outrank everyone, a tombstone needs 150 so that only creators can upgrade
    /// (the spec requires it above `state_default`).
    static func defaults(
        roomVersion: RoomVersion, creator: String, preset: RoomCreationPreset, invitees: [String]
    ) -> JSONObject {
        var users = JSONObject()
        // From v12 creators have infinite power and may not be listed.
        if !roomVersion.privilegedCreators {
            users[creator] = 100
            if preset.inviteesShareCreatorPower {
                for invitee in invitees { users[invitee] = 100 }
            }
        }
        var events: JSONObject = [
            "m.room.name": 50,
            "m.room.power_levels": 100,
            "m.room.history_visibility": 100,
            "m.room.canonical_alias": 50,
            "m.room.avatar": 50,
            "m.room.tombstone": roomVersion.privilegedCreators ? 150 : 100,
            "m.room.server_acl": 100,
            "m.room.encryption": 100,
        ]
        var content: JSONObject = [
            "users": .object(users),
            "users_default": 0,
            "events_default": 0,
            "state_default": 50,
            "ban": 50,
            "kick": 50,
            "redact": 50,
            "invite": 50,
        ]
        let changes = preset.powerLevelChanges
        events.merge(changes.events)
        content["events"] = .object(events)
        content.merge(changes.topLevel)
        return content
    }

    /// Checks power levels content a client supplied (through `power_level_content_override` or
    /// `initial_state`) as Synapse checks every local power levels event: levels are integers in
    /// the canonical JSON range, `events`, `notifications` and `users` objects of them, and `users`
    /// keyed by user IDs (400 `M_BAD_JSON` otherwise). In room version 12 no creator may appear in
    /// `users`: the event would fail the auth rules after the room was half made, so it is refused
    /// up front with 400 `M_INVALID_ROOM_STATE`, the spec's code for invalid initial state.
    static func check(_ content: JSONObject, roomVersion: RoomVersion, creators: [String]) throws(MatrixError) {
        func isLevel(_ value: JSONValue) -> Bool {
            guard case .int(let level) = value else { return false }
            return abs(level) <= JSONParser.maxSafeInteger
        }
        for key in levelKeys {
            if let value = content[key], !isLevel(value) {
                throw .badJSON("\"\(key)\": \(value.typeName) is not an integer power level")
            }
        }
        for key in ["events", "notifications", "users"] {
            guard let value = content[key] else { continue }
            guard case .object(let map) = value else { throw .badJSON("\"\(key)\" must be an object, not a \(value.typeName)") }
            for name in map.sortedKeys {
                guard let level = map[name], isLevel(level) else {
                    throw .badJSON("\"\(key)\": the level of \"\(name)\" is not an integer power level")
                }
                if key == "users", (try? UserID(parsing: name, strict: false)) == nil {
                    throw .badJSON("\"users\": \"\(name)\" is not a valid user ID")
                }
            }
        }
        if roomVersion.privilegedCreators, let users = content["users"]?.objectValue,
            let listed = creators.first(where: { users[$0] != nil })
        {
            throw MatrixError(
                "M_INVALID_ROOM_STATE",
                "\(listed) is a room creator and cannot be given a power level in room version \(roomVersion)",
                status: 400)
        }
    }
}
