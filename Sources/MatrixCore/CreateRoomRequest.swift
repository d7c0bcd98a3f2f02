/// The body of `POST /createRoom` (`data/api/client-server/create_room.yaml`), read and checked.
/// Members that are absent or `null` take their defaults.
public struct CreateRoomRequest: Sendable, Hashable {
    /// Whether the room is published in the server's room directory.
    public enum Visibility: String, Sendable, Hashable {
        case `public`
        case `private`
    }

    public var visibility: Visibility
    /// The localpart of an alias to create; nil when absent or empty.
    public var roomAliasName: String?
    public var name: String?
    public var topic: String?
    /// Users to invite, in request order, without repeats.
    public var invite: [String]
    /// `invite_3pid` entries, each with `medium`, `address`, `id_server` and `id_access_token`.
    public var invite3pid: [JSONObject]
    /// The requested room version's identifier, unchecked (the plan resolves it).
    public var roomVersion: String?
    public var creationContent: JSONObject
    public var initialState: [StateEventDraft]
    /// Nil when absent: the plan then picks one from `visibility`.
    public var preset: RoomCreationPreset?
    public var isDirect: Bool
    public var powerLevelContentOverride: JSONObject?

    public init(
        visibility: Visibility = .private, roomAliasName: String? = nil, name: String? = nil, topic: String? = nil,
        invite: [String] = [], invite3pid: [JSONObject] = [], roomVersion: String? = nil,
        creationContent: JSONObject = [:], initialState: [StateEventDraft] = [], preset: RoomCreationPreset? = nil,
        isDirect: Bool = false, powerLevelContentOverride: JSONObject? = nil
    ) {
        self.visibility = visibility
        self.roomAliasName = roomAliasName
        self.name = name
        self.topic = topic
        self.invite = invite
        self.invite3pid = invite3pid
        self.roomVersion = roomVersion
        self.creationContent = creationContent
        self.initialState = initialState
        self.preset = preset
        self.isDirect = isDirect
        self.powerLevelContentOverride = powerLevelContentOverride
    }

    /// Reads the request body. A member of the wrong type, an unknown `visibility` or `preset`, or an
    /// `initial_state` entry without a string `type` and an object `content` is 400 `M_BAD_JSON`; an
    /// invalid user ID in `invite` is 400 `M_INVALID_PARAM`; an `invite_3pid` entry missing one of
    /// its four keys is 400 `M_MISSING_PARAM` (as Synapse).
    public init(json: JSONObject) throws(MatrixError) {
        self.init()
        func member(_ key: String) -> JSONValue? {
            guard let value = json[key], !value.isNull else { return nil }
            return value
        }
        func string(_ key: String) throws(MatrixError) -> String? {
            guard let value = member(key) else { return nil }
            guard case .string(let text) = value else { throw .badJSON("\(key) must be a string, not a \(value.typeName)") }
            return text
        }
        func object(_ key: String) throws(MatrixError) -> JSONObject? {
            guard let value = member(key) else { return nil }
            guard case .object(let inner) = value else { throw .badJSON("\(key) must be an object, not a \(value.typeName)") }
            return inner
        }
        func array(_ key: String) throws(MatrixError) -> [JSONValue] {
            guard let value = member(key) else { return [] }
            guard case .array(let items) = value else { throw .badJSON("\(key) must be an array, not a \(value.typeName)") }
            return items
        }

        if let text = try string("visibility") {
            guard let known = Visibility(rawValue: text) else {
                throw .badJSON("visibility must be \"public\" or \"private\", not \"\(text)\"")
            }
            visibility = known
        }
        if let text = try string("preset") {
            guard let known = RoomCreationPreset(rawValue: text) else { throw .badJSON("'\(text)' is not a valid preset") }
            preset = known
        }
        // Clients that leave the alias field blank send "", which asks for no alias.
        if let text = try string("room_alias_name"), !text.isEmpty { roomAliasName = text }
        name = try string("name")
        topic = try string("topic")
        roomVersion = try string("room_version")
        creationContent = try object("creation_content") ?? [:]
        powerLevelContentOverride = try object("power_level_content_override")
        if let value = member("is_direct") {
            guard case .bool(let flag) = value else { throw .badJSON("is_direct must be a boolean, not a \(value.typeName)") }
            isDirect = flag
        }

        for item in try array("invite") {
            guard case .string(let user) = item else { throw .badJSON("invite must hold strings, not a \(item.typeName)") }
            guard (try? UserID(parsing: user, strict: false)) != nil else {
                throw .invalidParam("Invalid user_id: \(user)")
            }
            if !invite.contains(user) { invite.append(user) }
        }
        for item in try array("invite_3pid") {
            guard case .object(let entry) = item else { throw .badJSON("invite_3pid must hold objects, not a \(item.typeName)") }
            for key in ["medium", "address", "id_server", "id_access_token"] where entry[key]?.stringValue == nil {
                throw .missingParam(
                    "all of `medium`, `address`, `id_server` and `id_access_token` are required when making a 3pid invite")
            }
            invite3pid.append(entry)
        }
        for (index, item) in try array("initial_state").enumerated() {
            let at = "initial_state[\(index)]"
            guard case .object(let entry) = item else { throw .badJSON("\(at) must be an object, not a \(item.typeName)") }
            guard case .string(let type)? = entry["type"] else { throw .badJSON("\(at).type must be a string") }
            guard case .object(let content)? = entry["content"] else { throw .badJSON("\(at).content must be an object") }
            var stateKey = ""
            if let value = entry["state_key"], !value.isNull {
                guard case .string(let key) = value else { throw .badJSON("\(at).state_key must be a string") }
                stateKey = key
            }
            initialState.append(StateEventDraft(type: type, stateKey: stateKey, content: content))
        }
    }
}
