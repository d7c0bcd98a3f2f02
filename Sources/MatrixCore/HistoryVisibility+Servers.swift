/// Whether another server may see an event. The spec gives servers no rule of their own; this is
/// Synapse's (`filter_events_for_server`): under `shared` or `world_readable` any server that asks
/// (callers check it is in the room) sees the event; under `joined` or `invited` it does when one of
/// its users was joined, or invited under `invited`, at the event.
///
/// As the client rules do for a user, a history visibility event is judged by the visibility before
/// and after it, and a member event of one of the server's users by the memberships before and after
/// it; either passing is enough. (Synapse reads only the state after the event, which this includes.)
extension HistoryVisibility {
    /// - Parameters:
    ///   - visibilityBefore: the history visibility in the state before the event.
    ///   - visibilityAfter: only for an `m.room.history_visibility` event: the visibility it sets.
    ///   - membershipsBefore: memberships of the server's users in the state before the event.
    ///   - membershipsAfter: only for a member event of one of the server's users: the memberships
    ///     with that event applied.
    public static func serverMaySeeEvent(
        visibilityBefore: HistoryVisibility, visibilityAfter: HistoryVisibility? = nil,
        membershipsBefore: [Membership], membershipsAfter: [Membership]? = nil
    ) -> Bool {
        let visibilities = [visibilityBefore] + (visibilityAfter.map { [$0] } ?? [])
        let memberships = [membershipsBefore] + (membershipsAfter.map { [$0] } ?? [])
        return visibilities.contains { visibility in
            memberships.contains { serverMaySee(visibility: visibility, memberships: $0) }
        }
    }

    /// One visibility against one set of the server's memberships.
    public static func serverMaySee(visibility: HistoryVisibility, memberships: [Membership]) -> Bool {
        switch visibility {
        case .worldReadable, .shared: return true
        case .invited: return memberships.contains { $0 == .join || $0 == .invite }
        case .joined: return memberships.contains(.join)
        }
    }
}
