/// What the rules for one event share: the event, the room's create event, the state lookup and
/// the power levels in force, computed once.
struct AuthContext {
    let event: PDU
    let create: PDU
    let numbers: AuthRuleNumbers
    let state: (StateTuple) -> PDU?
    let creators: RoomCreators
    let powerLevelsEvent: PDU?
    let powerLevels: PowerLevels

    init(event: PDU, create: PDU, numbers: AuthRuleNumbers, state: @escaping (StateTuple) -> PDU?) {
        self.event = event
        self.create = create
        self.numbers = numbers
        self.state = state
        let creators = RoomCreators(createEvent: create)
        self.creators = creators
        let powerLevelsEvent = state(StateTuple(type: RuleEventType.powerLevels, stateKey: ""))
        self.powerLevelsEvent = powerLevelsEvent
        self.powerLevels = PowerLevels(
            content: powerLevelsEvent?.content, creators: creators, roomVersion: event.roomVersion)
    }

    func membership(of user: String) -> Membership {
        Membership(memberEvent: state(StateTuple(type: RuleEventType.member, stateKey: user)))
    }

    /// The room's join rule; a room without one (or with none set) is treated as `invite`.
    var joinRule: String {
        state(StateTuple(type: RuleEventType.joinRules, stateKey: ""))?.content["join_rule"]?.stringValue ?? "invite"
    }
}
