/// `m.room.history_visibility` and the rule for whether a user may see an event
/// (client-server API, "Room History Visibility", server behaviour).
public enum HistoryVisibility: String, Sendable, Hashable, CaseIterable {
    case worldReadable = "world_readable"
    case shared
    case invited
    case joined

    /// The visibility a history visibility event's content sets: a missing event (nil), a missing or
    /// non-string `history_visibility` and an unknown value all mean `shared`, as the spec says.
    public init(content: JSONObject?) {
        self = content?["history_visibility"]?.stringValue.flatMap(Self.init(rawValue:)) ?? .shared
    }

    /// Whether `user` may see an event, by the spec's rules:
    /// 1. `world_readable`: allow. 2. Membership `join`: allow. 3. `shared` and the user joined at some
    /// point after the event: allow. 4. Membership `invite` and `invited`: allow. 5. Otherwise deny.
    /// Two kinds of event are judged both by the state before and the state after them, and pass if
    /// either would allow them:
    /// - an `m.room.history_visibility` event, by the visibility it replaces and the one it sets;
    /// - the user's own `m.room.member` event, by their membership before and after it.
    ///
    /// For every other event the state before and after it agree on these two keys; pass the state
    /// before it (or after: the same) and leave the `…After` parameters nil.
    ///
    /// - Parameters:
    ///   - visibilityBefore: the history visibility in the room state before the event
    ///     (`HistoryVisibility(content:)` of that state's `m.room.history_visibility` content; nil
    ///     content for none).
    ///   - visibilityAfter: only for an `m.room.history_visibility` event: the visibility it sets.
    ///   - membershipBefore: the user's membership in the room state before the event; `.leave` when
    ///     they have no member event.
    ///   - membershipAfter: only for the user's own `m.room.member` event: the membership it sets.
    ///   - joinedAfterEvent: whether the user joined the room at some point after the event (rule 3).
    ///     A caller that knows only the present can pass "the user's current membership is `join`",
    ///     which is what Synapse does (it then hides `shared` history from users who left).
    public static func userMaySeeEvent(
        visibilityBefore: HistoryVisibility, visibilityAfter: HistoryVisibility? = nil,
        membershipBefore: Membership, membershipAfter: Membership? = nil, joinedAfterEvent: Bool
    ) -> Bool {
        // A user must see their own invite being rejected (or retracted), or the invite would linger
        // in their client; Synapse allows this whatever the visibility, and so do we.
        if membershipBefore == .invite, membershipAfter == .leave { return true }
        let visibilities = [visibilityBefore] + (visibilityAfter.map { [$0] } ?? [])
        let memberships = [membershipBefore] + (membershipAfter.map { [$0] } ?? [])
        return visibilities.contains { visibility in
            memberships.contains { membership in
                userMaySee(visibility: visibility, membership: membership, joinedAfterEvent: joinedAfterEvent)
            }
        }
    }

    /// The spec's five rules for one visibility and one membership (see `userMaySeeEvent`).
    public static func userMaySee(visibility: HistoryVisibility, membership: Membership, joinedAfterEvent: Bool)
        -> Bool
    {
        if visibility == .worldReadable { return true }
        if membership == .join { return true }
        if visibility == .shared, joinedAfterEvent { return true }
        if visibility == .invited, membership == .invite { return true }
        return false
    }
}
