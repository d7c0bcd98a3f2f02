/// The iterative auth checks of v2 resolution: walk a sorted list of state events and apply each one
/// the authorisation rules allow, against the state built so far.
enum IterativeAuthChecks {
    static func apply(
        _ ordered: [String], to state: inout [StateTuple: String], events: ResolutionEvents,
        authCheck: StateResolution.AuthCheck
    ) async throws {
        for id in ordered {
            guard let event = try await events.load(id), let key = event.stateTuple else { continue }

            // What the rules see: the state built so far for the keys they consult; where it has no
            // entry, the event's own auth events (not rejected ones: auth events are not re-authed
            // here, so a rejected one must not stand in).
            var view = try await events.authEventsByKey(of: event)
            for needed in AuthEventKeys.keys(for: event) {
                if let stateId = state[needed], let stateEvent = try await events.load(stateId) {
                    view[needed] = stateEvent
                }
            }
            // From room version 12 the create event is implied by the room ID rather than cited, so a
            // replay that starts from the empty state would otherwise never see it.
            if view[StateKeys.create] == nil, event.stateTuple != StateKeys.create,
                let create = try await events.createEvent(for: event)
            {
                view[StateKeys.create] = create
            }

            let snapshot = view
            if authCheck(event, { snapshot[$0] }) { state[key] = id }
        }
    }
}
