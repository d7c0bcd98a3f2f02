import MatrixCore
import Testing

@Suite struct HistoryVisibilityTests {
    @Test func contentParsing() {
        #expect(HistoryVisibility(content: nil) == .shared)
        #expect(HistoryVisibility(content: [:]) == .shared)
        #expect(HistoryVisibility(content: ["history_visibility": "joined"]) == .joined)
        #expect(HistoryVisibility(content: ["history_visibility": "world_readable"]) == .worldReadable)
        #expect(HistoryVisibility(content: ["history_visibility": "invited"]) == .invited)
        #expect(HistoryVisibility(content: ["history_visibility": "shared"]) == .shared)
        #expect(HistoryVisibility(content: ["history_visibility": "everyone"]) == .shared)
        #expect(HistoryVisibility(content: ["history_visibility": 1]) == .shared)
        #expect(HistoryVisibility(content: ["history_visibility": "Joined"]) == .shared)
    }

    /// Every setting × membership × "joined later", against the spec's five rules written out.
    @Test(arguments: HistoryVisibility.allCases)
    func everySettingAndMembership(_ visibility: HistoryVisibility) {
        for membership in Membership.allCases {
            for joinedLater in [false, true] {
                let expected: Bool
                switch (visibility, membership) {
                case (.worldReadable, _): expected = true
                case (_, .join): expected = true
                case (.shared, _): expected = joinedLater
                case (.invited, .invite): expected = true
                default: expected = false
                }
                #expect(
                    HistoryVisibility.userMaySee(
                        visibility: visibility, membership: membership, joinedAfterEvent: joinedLater) == expected,
                    "\(visibility) \(membership) joinedLater=\(joinedLater)")
                #expect(
                    HistoryVisibility.userMaySeeEvent(
                        visibilityBefore: visibility, membershipBefore: membership, joinedAfterEvent: joinedLater)
                        == expected)
            }
        }
    }

    @Test func spotChecks() {
        // A user who never joined cannot read a joined-only room; one invited at the time can in `invited`.
        #expect(!HistoryVisibility.userMaySee(visibility: .joined, membership: .invite, joinedAfterEvent: true))
        #expect(HistoryVisibility.userMaySee(visibility: .invited, membership: .invite, joinedAfterEvent: false))
        #expect(!HistoryVisibility.userMaySee(visibility: .invited, membership: .leave, joinedAfterEvent: true))
        #expect(!HistoryVisibility.userMaySee(visibility: .invited, membership: .knock, joinedAfterEvent: true))
        #expect(!HistoryVisibility.userMaySee(visibility: .shared, membership: .ban, joinedAfterEvent: false))
        #expect(HistoryVisibility.userMaySee(visibility: .worldReadable, membership: .ban, joinedAfterEvent: false))
    }

    /// The spec's examples: a change from world_readable to joined, and from joined to
    /// world_readable, are both visible to a non-member.
    @Test func visibilityChangeEventsUseEitherSide() {
        for (before, after) in [(HistoryVisibility.worldReadable, HistoryVisibility.joined), (.joined, .worldReadable)] {
            #expect(
                HistoryVisibility.userMaySeeEvent(
                    visibilityBefore: before, visibilityAfter: after, membershipBefore: .leave, joinedAfterEvent: false))
        }
        #expect(
            !HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, visibilityAfter: .invited, membershipBefore: .leave, joinedAfterEvent: true))
        #expect(
            HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, visibilityAfter: .shared, membershipBefore: .leave, joinedAfterEvent: true))
    }

    /// The spec's examples: own joins, and own changes away from join, are visible even in `joined`.
    @Test func ownMembershipEventsUseEitherSide() {
        for before in Membership.allCases {
            #expect(
                HistoryVisibility.userMaySeeEvent(
                    visibilityBefore: .joined, membershipBefore: before, membershipAfter: .join, joinedAfterEvent: false),
                "\(before) -> join")
        }
        for after in Membership.allCases {
            #expect(
                HistoryVisibility.userMaySeeEvent(
                    visibilityBefore: .joined, membershipBefore: .join, membershipAfter: after, joinedAfterEvent: false),
                "join -> \(after)")
        }
        // Invited and invite rules: the invite itself is visible under `invited` (after = invite).
        #expect(
            HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .invited, membershipBefore: .leave, membershipAfter: .invite, joinedAfterEvent: false))
        #expect(
            !HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, membershipBefore: .leave, membershipAfter: .invite, joinedAfterEvent: false))
        // A ban of someone who had left, in a joined-only room, is not theirs to see.
        #expect(
            !HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, membershipBefore: .leave, membershipAfter: .ban, joinedAfterEvent: false))
        #expect(
            !HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, membershipBefore: .knock, membershipAfter: .leave, joinedAfterEvent: false))
    }

    /// As Synapse: rejecting (or having retracted) an invite is always visible to the invitee.
    @Test func inviteRejectionIsAlwaysVisible() {
        for visibility in HistoryVisibility.allCases {
            #expect(
                HistoryVisibility.userMaySeeEvent(
                    visibilityBefore: visibility, membershipBefore: .invite, membershipAfter: .leave,
                    joinedAfterEvent: false))
        }
        #expect(
            !HistoryVisibility.userMaySeeEvent(
                visibilityBefore: .joined, membershipBefore: .invite, membershipAfter: .ban, joinedAfterEvent: false))
    }
}
