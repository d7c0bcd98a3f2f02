import MatrixCore
import MyelinRooms

/// `POST /createRoom`.
struct RoomCreationRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/createRoom") { call in
                let body = try call.optionalJSONObject()
                let requester = try call.user
                let plan = try Self.interimPlan(body, creator: requester.userId,
                                                defaultVersion: services.rooms.settings.defaultRoomVersion)
                let roomId = try await services.rooms.createRoom(requester, plan)
                return MatrixResponse(json: ["room_id": .string(roomId)])
            },
        ]
    }

    // Interim: replaced by MatrixCore's RoomCreationPlan when it lands this session.
    static func interimPlan(_ body: JSONBody, creator: String, defaultVersion: RoomVersion) throws -> NewRoom {
        var version = defaultVersion
        if let named = try body.string("room_version") {
            guard let known = RoomVersion.named(named) else {
                throw MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Room version \(named) is not supported", status: 400)
            }
            version = known
        }
        var create = try body.objectValue("creation_content") ?? [:]
        create["room_version"] = .string(version.identifier)
        if !version.implicitRoomCreator { create["creator"] = .string(creator) }
        let preset = try body.string("preset")
        let visibility = try body.string("visibility")
        let publicPreset = preset == "public_chat" || (preset == nil && visibility == "public")
        var levels: JSONObject = [
            "users": version.privilegedCreators ? [:] : .object([creator: 100]), "users_default": 0,
            "events": ["m.room.name": 50, "m.room.power_levels": 100, "m.room.history_visibility": 100,
                       "m.room.canonical_alias": 50, "m.room.avatar": 50, "m.room.tombstone": 100,
                       "m.room.server_acl": 100, "m.room.encryption": 100],
            "events_default": 0, "state_default": 50, "ban": 50, "kick": 50, "redact": 50, "invite": 0,
        ]
        for (key, value) in try body.objectValue("power_level_content_override") ?? [:] { levels[key] = value }
        var state: [NewRoom.StateEvent] = [
            .init(type: "m.room.power_levels", stateKey: "", content: levels),
            .init(type: "m.room.join_rules", stateKey: "", content: ["join_rule": publicPreset ? "public" : "invite"]),
            .init(type: "m.room.history_visibility", stateKey: "", content: ["history_visibility": "shared"]),
        ]
        for case .object(let entry) in try body.objectValue("initial_state").map({ _ in [] }) ?? (body["initial_state"]?.arrayValue ?? []) {
            guard let type = entry["type"]?.stringValue, let content = entry["content"]?.objectValue else {
                throw MatrixError.badJSON("initial_state entries need a type and a content object")
            }
            state.append(.init(type: type, stateKey: entry["state_key"]?.stringValue ?? "", content: content))
        }
        if let name = try body.string("name") { state.append(.init(type: "m.room.name", stateKey: "", content: ["name": .string(name)])) }
        if let topic = try body.string("topic") { state.append(.init(type: "m.room.topic", stateKey: "", content: ["topic": .string(topic)])) }
        return NewRoom(version: version, createContent: create, initialState: state,
                       invites: try body.stringArray("invite") ?? [], isDirect: try body.bool("is_direct") ?? false,
                       publish: visibility == "public")
    }
}
