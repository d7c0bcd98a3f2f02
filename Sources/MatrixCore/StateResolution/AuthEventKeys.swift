/// The `(type, state_key)` pairs the authorisation rules may consult for an event: the spec's
/// "auth events selection" (`AuthRules.authStateTuples`) plus the create event, which the rules need
/// even in room version 12 where it is not an auth event. The iterative auth checks hand the rules a
/// state callback that must answer synchronously, so resolution loads exactly these entries beforehand.
enum AuthEventKeys {
    static func keys(for event: PDU) -> [StateTuple] {
        // The create event is checked against nothing.
        if event.stateTuple == StateKeys.create { return [] }
        let selected = AuthRules.authStateTuples(for: event)
        return selected.contains(StateKeys.create) ? selected : [StateKeys.create] + selected
    }
}
