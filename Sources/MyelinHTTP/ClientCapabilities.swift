import MatrixCore
import MyelinAccounts

/// `GET /capabilities` for one user: what this server lets them do, as the spec's capabilities section
/// (v1.19) names it. Every value says what the endpoints do for this user; guests may change their
/// displayname and nothing else about their account.
enum ClientCapabilities {
    static func json(for user: Requester, defaultRoomVersion: String) -> JSONObject {
        let member = !user.isGuest
        // Guests: `/account/password` is refused, and there is no password to authenticate
        // `/login/get_token` with (users have no other way: no SSO).
        var profileFields: JSONObject = ["enabled": true]
        if !member { profileFields["allowed"] = ["displayname"] }
        return [
            "m.change_password": ["enabled": .bool(member)],
            "m.room_versions": [
                "default": .string(defaultRoomVersion),
                "available": .object(JSONObject(uniqueKeysWithValues: RoomVersion.all.map {
                    ($0.identifier, JSONValue.string("stable"))
                })),
            ],
            // Spec v1.16: custom profile fields as well as displayname and avatar_url.
            "m.profile_fields": .object(profileFields),
            // Deprecated by m.profile_fields (v1.16) but still read by older clients; they must agree with it.
            "m.set_displayname": ["enabled": true],
            "m.set_avatar_url": ["enabled": .bool(member)],
            // No email or phone numbers on accounts (`ThirdPartyIdentifierRoutes`).
            "m.3pid_changes": ["enabled": false],
            "m.get_login_token": ["enabled": .bool(member)],
            // Spec v1.18: leaving a room does not forget it; /forget does.
            "m.forget_forced_upon_leave": ["enabled": false],
        ]
    }
}
