/// What `POST /createRoom` must do, worked out before anything is sent: the room version, the
/// state events in the order the spec gives, the invites and the alias and directory entries.
/// Pure: the caller checks the alias is free, builds, authorises and persists the events in
/// order, sends the invites, then publishes the room if `visibility` is public.
///
/// `events` order (create_room.yaml): `m.room.create`; the creator's join; `m.room.power_levels`;
/// `m.room.canonical_alias` (with an alias); the preset's `m.room.join_rules`,
/// `m.room.history_visibility` and `m.room.guest_access`; `initial_state` in order; `m.room.encryption`
/// (when asked for); `m.room.name`; `m.room.topic`. As in Synapse, an `initial_state` entry for a
/// preset's event (or the alias or encryption event) takes that event's place in `initial_state`'s
/// position, and one for power levels replaces the generated content entirely (the override and
/// preset no longer apply); `name` and `topic` replace `initial_state` entries of those types.
/// Repeated `initial_state` entries for one (type, state key) keep the first one's position and
/// the last one's content.
public struct RoomCreationPlan: Sendable, Hashable {
    public let roomVersion: RoomVersion
    public let preset: RoomCreationPreset
    /// The `m.room.create` content (also `events[0].content`); from v12 the room ID is derived from it.
    public let createContent: JSONObject
    /// Every state event but the invites; `events[0]` is `m.room.create`, `events[1]` the creator's join.
    public let events: [StateEventDraft]
    /// Users to invite after `events`, in order; never the creator.
    public let invites: [String]
    public let isDirect: Bool
    /// `invite_3pid` entries, untouched (third-party invites are the caller's to support or refuse).
    public let thirdPartyInvites: [JSONObject]
    public let visibility: CreateRoomRequest.Visibility
    /// The full alias to map to the room (`#room_alias_name:serverName`), or nil.
    public let alias: String?

    /// - Parameters:
    ///   - body: the request body; see `CreateRoomRequest(json:)` for its errors.
    ///   - creator: the requesting user's ID.
    ///   - serverName: this server's name, for the alias.
    ///   - defaultRoomVersion: used when the request names none.
    ///   - creatorMemberContent: extra members of the creator's join (`displayname`, `avatar_url`).
    ///   - encryptionContent: `m.room.encryption` content when the server encrypts new rooms by
    ///     default; nil for none. Ignored when `initial_state` already has that event.
    public init(
        body: JSONObject, creator: String, serverName: String, defaultRoomVersion: RoomVersion = .default,
        creatorMemberContent: JSONObject = [:], encryptionContent: JSONObject? = nil
    ) throws(MatrixError) {
        try self.init(
            request: CreateRoomRequest(json: body), creator: creator, serverName: serverName,
            defaultRoomVersion: defaultRoomVersion, creatorMemberContent: creatorMemberContent,
            encryptionContent: encryptionContent)
    }

    /// As `init(body:...)` for a request already read. Errors: an unknown room version is 400
    /// `M_UNSUPPORTED_ROOM_VERSION`; a bad alias localpart 400 `M_INVALID_PARAM`; bad
    /// `creation_content` members 400 `M_BAD_JSON` (invalid `additional_creators` entries
    /// `M_INVALID_PARAM`); malformed power levels 400 `M_BAD_JSON`; power levels that would lock the
    /// creator out, or an `m.room.create` in `initial_state`, 400 `M_INVALID_ROOM_STATE`.
    public init(
        request: CreateRoomRequest, creator: String, serverName: String, defaultRoomVersion: RoomVersion = .default,
        creatorMemberContent: JSONObject = [:], encryptionContent: JSONObject? = nil
    ) throws(MatrixError) {
        let version: RoomVersion
        if let identifier = request.roomVersion {
            guard let known = RoomVersion.named(identifier) else {
                throw MatrixError(
                    "M_UNSUPPORTED_ROOM_VERSION", "Your homeserver does not support this room version", status: 400)
            }
            version = known
        } else {
            version = defaultRoomVersion
        }
        let preset = request.preset ?? (request.visibility == .public ? .publicChat : .privateChat)
        // Inviting oneself would fail the auth rules (the creator is already joined).
        let invites = request.invite.filter { $0 != creator }
        let alias = try Self.alias(localpart: request.roomAliasName, serverName: serverName)

        let (createContent, creators) = try Self.createContent(
            request.creationContent, version: version, creator: creator, preset: preset, invites: invites)

        var events = [
            StateEventDraft(type: "m.room.create", content: createContent),
            StateEventDraft(type: "m.room.member", stateKey: creator, content: Self.joinContent(creatorMemberContent)),
        ]

        // initial_state, deduplicated: first position, last content.
        var initialState: [StateEventDraft] = []
        var positions: [[JSONKey]: Int] = [:]
        for draft in request.initialState {
            if draft.type == "m.room.create" {
                throw MatrixError(
                    "M_INVALID_ROOM_STATE", "initial_state cannot hold m.room.create; use creation_content", status: 400)
            }
            if let index = positions[draft.stateTupleKey] {
                initialState[index] = draft
            } else {
                positions[draft.stateTupleKey] = initialState.count
                initialState.append(draft)
            }
        }
        func inInitialState(_ type: String) -> Bool { positions[[JSONKey(type), JSONKey("")]] != nil }

        let powerLevels: JSONObject
        var overrideDropsCreator = false
        if let index = positions[[JSONKey("m.room.power_levels"), JSONKey("")]] {
            powerLevels = initialState[index].content
        } else {
            var content = RoomCreationPowerLevels.defaults(
                roomVersion: version, creator: creator, preset: preset, invitees: invites)
            if let override = request.powerLevelContentOverride {
                // Before v12 a `users` override replaces the whole map, creator included; Synapse
                // refuses one that would leave the creator without power.
                overrideDropsCreator =
                    !version.privilegedCreators && override["users"] != nil && override["users"]?[creator] == nil
                content.merge(override)
            }
            powerLevels = content
        }
        try RoomCreationPowerLevels.check(powerLevels, roomVersion: version, creators: creators)
        if overrideDropsCreator {
            throw MatrixError(
                "M_INVALID_ROOM_STATE",
                "Not a valid power_level_content_override: 'users' did not contain \(creator)", status: 400)
        }
        events.append(StateEventDraft(type: "m.room.power_levels", content: powerLevels))

        if let alias, !inInitialState("m.room.canonical_alias") {
            events.append(StateEventDraft(type: "m.room.canonical_alias", content: ["alias": .string(alias)]))
        }
        if !inInitialState("m.room.join_rules") {
            events.append(StateEventDraft(type: "m.room.join_rules", content: ["join_rule": .string(preset.joinRule)]))
        }
        if !inInitialState("m.room.history_visibility") {
            events.append(
                StateEventDraft(
                    type: "m.room.history_visibility",
                    content: ["history_visibility": .string(preset.historyVisibility.rawValue)]))
        }
        if preset.guestCanJoin, !inInitialState("m.room.guest_access") {
            events.append(StateEventDraft(type: "m.room.guest_access", content: ["guest_access": "can_join"]))
        }
        for draft in initialState {
            if draft.stateKey.isEmpty {
                if draft.type == "m.room.power_levels" { continue }
                if draft.type == "m.room.name", request.name != nil { continue }
                if draft.type == "m.room.topic", request.topic != nil { continue }
            }
            events.append(draft)
        }
        if let encryptionContent, !inInitialState("m.room.encryption") {
            events.append(StateEventDraft(type: "m.room.encryption", content: encryptionContent))
        }
        if let name = request.name {
            events.append(StateEventDraft(type: "m.room.name", content: ["name": .string(name)]))
        }
        if let topic = request.topic {
            events.append(StateEventDraft(type: "m.room.topic", content: Self.topicContent(topic)))
        }

        self.roomVersion = version
        self.preset = preset
        self.createContent = createContent
        self.events = events
        self.invites = invites
        self.isDirect = request.isDirect
        self.thirdPartyInvites = request.invite3pid
        self.visibility = request.visibility
        self.alias = alias
    }

    /// The invite member events to send after `events`, one per entry of `invites`.
    public var inviteEvents: [StateEventDraft] {
        invites.map { user in
            var content: JSONObject = ["membership": "invite"]
            if isDirect { content["is_direct"] = true }
            return StateEventDraft(type: "m.room.member", stateKey: user, content: content)
        }
    }

    /// The full alias for `room_alias_name`. Like Synapse, white space and ':' are refused (the
    /// latter usually means a client sent a whole alias); the result must be a valid alias.
    static func alias(localpart: String?, serverName: String) throws(MatrixError) -> String? {
        guard let localpart else { return nil }
        if localpart.unicodeScalars.contains(where: { " \t\n\r\u{0B}\u{0C}".unicodeScalars.contains($0) }) {
            throw .invalidParam("Invalid characters in room alias")
        }
        if localpart.contains(":") {
            throw .invalidParam(
                "':' is not permitted in the room alias name. Please note this expects a local part — 'wombat', not '#wombat:example.com'."
            )
        }
        let alias = "#\(localpart):\(serverName)"
        do {
            _ = try RoomAlias(parsing: alias)
        } catch {
            throw .invalidParam("Invalid room alias \(alias): \(error.description)")
        }
        return alias
    }

    /// The create event's content and the room's creators. `creator` and `room_version` are the
    /// server's to set: before v11 `creator` is the requester, from v11 the sender is the creator
    /// and a client's `creator` is dropped so the content cannot claim otherwise. In v12,
    /// `trusted_private_chat` adds the invitees to `additional_creators` (the spec's SHOULD).
    static func createContent(
        _ creationContent: JSONObject, version: RoomVersion, creator: String, preset: RoomCreationPreset,
        invites: [String]
    ) throws(MatrixError) -> (JSONObject, [String]) {
        var content = creationContent
        for (key, expected) in [("m.federate", "boolean"), ("type", "string")] {
            guard let value = content[key], !value.isNull else { continue }
            let ok = expected == "boolean" ? value.boolValue != nil : value.stringValue != nil
            if !ok { throw .badJSON("creation_content.\(key) must be a \(expected), not a \(value.typeName)") }
        }
        content.removeValue(forKey: "creator")
        if !version.implicitRoomCreator { content["creator"] = .string(creator) }
        content["room_version"] = .string(version.identifier)
        var creators = [creator]
        guard version.privilegedCreators else { return (content, creators) }

        var additional: [String] = []
        if let value = content["additional_creators"], !value.isNull {
            guard case .array(let items) = value else {
                throw .badJSON("creation_content.additional_creators must be an array, not a \(value.typeName)")
            }
            for item in items {
                guard case .string(let user) = item else {
                    throw .badJSON("creation_content.additional_creators must hold strings, not a \(item.typeName)")
                }
                guard (try? UserID(parsing: user, strict: false)) != nil else {
                    throw .invalidParam("creation_content.additional_creators holds an invalid user ID \"\(user)\"")
                }
                if !additional.contains(user) { additional.append(user) }
            }
        }
        if preset.inviteesShareCreatorPower {
            for user in invites where !additional.contains(user) { additional.append(user) }
        }
        if additional.isEmpty {
            // An explicit `null` (or empty list) need not reach the event.
            content.removeValue(forKey: "additional_creators")
        } else {
            content["additional_creators"] = .array(additional.map(JSONValue.string))
        }
        creators += additional.filter { $0 != creator }
        return (content, creators)
    }

    static func joinContent(_ extra: JSONObject) -> JSONObject {
        var content = extra
        content["membership"] = "join"
        return content
    }

    /// `topic` plus the `m.topic` text block the spec added in v1.15 (plain text is the default
    /// mimetype, so it is not spelled out, as in Synapse).
    static func topicContent(_ topic: String) -> JSONObject {
        ["topic": .string(topic), "m.topic": ["m.text": [["body": .string(topic)]]]]
    }
}
