/// The `membership` of an `m.room.member` event (client-server API, `m.room.member`).
public enum Membership: String, Sendable, Hashable, CaseIterable {
    case join
    case invite
    case leave
    case ban
    /// v7+ only; older room versions reject it as an unknown membership.
    case knock

    /// A user's membership according to their member event: no event (or one the rules would have
    /// rejected, with an unknown membership) counts as `leave`, never having been in the room.
    public init(memberEvent: PDU?) {
        self = memberEvent?.membership.flatMap(Membership.init(rawValue:)) ?? .leave
    }
}
