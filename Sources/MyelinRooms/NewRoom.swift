import MatrixCore

/// A room to create, already planned from a `/createRoom` request: the create event content and the
/// state events to send after the creator's join, in order.
public struct NewRoom: Sendable {
    public struct StateEvent: Sendable {
        public let type: String
        public let stateKey: String
        public let content: JSONObject

        public init(type: String, stateKey: String, content: JSONObject) {
            self.type = type
            self.stateKey = stateKey
            self.content = content
        }
    }

    public var version: RoomVersion
    public var createContent: JSONObject
    /// Sent right after the creator's join, in this order (power levels first).
    public var initialState: [StateEvent]
    public var invites: [String]
    public var isDirect: Bool
    /// Whether to publish the room in the directory.
    public var publish: Bool
    /// The full alias to point at the room (`room_alias_name` on this server).
    public var alias: String?

    public init(version: RoomVersion, createContent: JSONObject, initialState: [StateEvent], invites: [String] = [],
                isDirect: Bool = false, publish: Bool = false, alias: String? = nil) {
        self.version = version
        self.createContent = createContent
        self.initialState = initialState
        self.invites = invites
        self.isDirect = isDirect
        self.publish = publish
        self.alias = alias
    }
}

extension NewRoom {
    /// The room a `/createRoom` plan describes: its events after the create event and the creator's join.
    public init(_ plan: RoomCreationPlan) {
        self.init(version: plan.roomVersion, createContent: plan.createContent,
                  initialState: plan.events.dropFirst(2).map { StateEvent(type: $0.type, stateKey: $0.stateKey,
                                                                            content: $0.content) },
                  invites: plan.invites, isDirect: plan.isDirect, publish: plan.visibility == .public,
                  alias: plan.alias)
    }
}
