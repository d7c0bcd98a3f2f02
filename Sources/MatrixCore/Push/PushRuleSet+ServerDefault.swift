extension PushRuleSet {
    /// The server-default rules (push module, "Predefined Rules") for `userId`, in the spec's order.
    ///
    /// Besides the current rules this includes the three legacy mention rules that v1.17 removed
    /// (`.m.rule.contains_display_name`, `.m.rule.roomnotif`, `.m.rule.contains_user_name`): clients
    /// that predate `m.mentions` still mention by name or "@room". Since v1.7 they apply only to events
    /// without `m.mentions` (the evaluator skips them otherwise), so a client using intentional mentions
    /// is never second-guessed by them.
    public static func serverDefault(for userId: String) -> PushRuleSet {
        let localpart = (try? UserID(parsing: userId))?.localpart ?? userId
        let soundDefault = PushAction.sound("default")
        func override(_ id: String, _ conditions: [PushCondition], _ actions: [PushAction], enabled: Bool = true)
            -> PushRule
        {
            PushRule(kind: .override, ruleId: id, isDefault: true, enabled: enabled, conditions: conditions,
                     actions: actions)
        }
        func underride(_ id: String, _ conditions: [PushCondition], _ actions: [PushAction]) -> PushRule {
            PushRule(kind: .underride, ruleId: id, isDefault: true, conditions: conditions, actions: actions)
        }
        let type = { (pattern: String) in PushCondition.eventMatch(key: "type", pattern: pattern) }
        let emptyStateKey = PushCondition.eventMatch(key: "state_key", pattern: "")
        return PushRuleSet([
            override(".m.rule.master", [], [], enabled: false),
            override(".m.rule.suppress_notices", [.eventMatch(key: "content.msgtype", pattern: "m.notice")], []),
            override(".m.rule.invite_for_me", [
                type("m.room.member"), .eventMatch(key: "content.membership", pattern: "invite"),
                .eventMatch(key: "state_key", pattern: userId),
            ], [.notify, soundDefault]),
            override(".m.rule.member_event", [type("m.room.member")], []),
            override(".m.rule.is_user_mention",
                     [.eventPropertyContains(key: "content.m\\.mentions.user_ids", value: .string(userId))],
                     [.notify, soundDefault, .highlight]),
            override(".m.rule.contains_display_name", [.containsDisplayName], [.notify, soundDefault, .highlight]),
            override(".m.rule.is_room_mention", [
                .eventPropertyIs(key: "content.m\\.mentions.room", value: true),
                .senderNotificationPermission(key: "room"),
            ], [.notify, .highlight]),
            override(".m.rule.roomnotif", [
                .eventMatch(key: "content.body", pattern: "@room"), .senderNotificationPermission(key: "room"),
            ], [.notify, .highlight]),
            override(".m.rule.tombstone", [type("m.room.tombstone"), emptyStateKey], [.notify, .highlight]),
            override(".m.rule.reaction", [type("m.reaction")], []),
            override(".m.rule.room.server_acl", [type("m.room.server_acl"), emptyStateKey], []),
            override(".m.rule.suppress_edits",
                     [.eventPropertyIs(key: "content.m\\.relates_to.rel_type", value: "m.replace")], []),
            PushRule(kind: .content, ruleId: ".m.rule.contains_user_name", isDefault: true, pattern: localpart,
                     actions: [.notify, soundDefault, .highlight]),
            underride(".m.rule.call", [type("m.call.invite")], [.notify, .sound("ring")]),
            underride(".m.rule.encrypted_room_one_to_one",
                      [.roomMemberCount(RoomMemberCountBound(.equal, 2)), type("m.room.encrypted")],
                      [.notify, soundDefault]),
            underride(".m.rule.room_one_to_one",
                      [.roomMemberCount(RoomMemberCountBound(.equal, 2)), type("m.room.message")],
                      [.notify, soundDefault]),
            underride(".m.rule.message", [type("m.room.message")], [.notify]),
            underride(".m.rule.encrypted", [type("m.room.encrypted")], [.notify]),
        ])
    }

    /// The legacy rules that look for mentions in the body; they do not apply to an event that has
    /// `m.mentions` (v1.7 to v1.16; see `serverDefault`).
    public static let legacyMentionRuleIds: Set<String> = [
        ".m.rule.contains_display_name", ".m.rule.roomnotif", ".m.rule.contains_user_name",
    ]
}
