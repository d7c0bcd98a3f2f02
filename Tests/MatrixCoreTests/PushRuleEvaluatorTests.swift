import MatrixCore
import Testing

/// The server-default rules evaluated for one user: what notifies and what highlights, with the cases
/// that are easy to get wrong (mentions by `m.mentions` or name, `@room` without power, notices, edits,
/// one-to-one rooms, encrypted events).
@Suite struct PushRuleEvaluatorTests {
    static let alice = "@alice:example.org"
    let evaluator = PushRuleEvaluator(rules: .serverDefault(for: Self.alice))
    let levels = PowerLevels(content: ["users": ["@admin:example.org": 100], "users_default": 0], creators: nil,
                             roomVersion: .v11)

    func context(members: Int64 = 5, displayName: String? = "Alice Liddell") -> PushEvaluationContext {
        PushEvaluationContext(userId: Self.alice, displayName: displayName, memberCount: members, powerLevels: levels)
    }

    func message(_ body: String, from sender: String = "@bob:example.org", msgtype: String = "m.text",
                 extra: JSONObject = [:]) -> JSONObject {
        var content: JSONObject = ["msgtype": .string(msgtype), "body": .string(body)]
        content.merge(extra)
        return ["type": "m.room.message", "sender": .string(sender), "room_id": "!r:example.org",
                "content": .object(content)]
    }

    func outcome(_ event: JSONObject, members: Int64 = 5, displayName: String? = "Alice Liddell")
        -> (rule: String?, notify: Bool, highlight: Bool)
    {
        let result = evaluator.evaluate(event, context(members: members, displayName: displayName))
        return (result.ruleId, result.notify, result.highlight)
    }

    @Test func aPlainMessageNotifiesWithoutHighlight() {
        let result = outcome(message("hello"))
        #expect(result.rule == ".m.rule.message")
        #expect(result.notify && !result.highlight)
    }

    @Test func ownEventsNeverNotify() {
        #expect(evaluator.evaluate(message("Alice Liddell", from: Self.alice), context()) == .none)
    }

    @Test func mentionsByMentionsHighlight() {
        let mentioned = message("hi", extra: ["m.mentions": ["user_ids": [.string(Self.alice)]]])
        #expect(outcome(mentioned) == (".m.rule.is_user_mention", true, true))
        let other = message("hi", extra: ["m.mentions": ["user_ids": ["@carol:example.org"]]])
        #expect(outcome(other) == (".m.rule.message", true, false))
    }

    @Test func legacyMentionsByNameOnlyWithoutMentions() {
        #expect(outcome(message("Alice Liddell, are you there?")) == (".m.rule.contains_display_name", true, true))
        #expect(outcome(message("is alice around?")) == (".m.rule.contains_user_name", true, true))
        // An event with m.mentions says whom it mentions: the body is not searched.
        let intentional = message("Alice Liddell, are you there?", extra: ["m.mentions": [:]])
        #expect(outcome(intentional) == (".m.rule.message", true, false))
        #expect(outcome(message("hi", extra: ["m.mentions": [:]]), displayName: nil).highlight == false)
        #expect(outcome(message("malice aforethought")).highlight == false)
    }

    @Test func roomMentionsNeedTheNotificationLevel() {
        let byAdmin = message("hi", from: "@admin:example.org", extra: ["m.mentions": ["room": true]])
        #expect(outcome(byAdmin) == (".m.rule.is_room_mention", true, true))
        let byNobody = message("hi", extra: ["m.mentions": ["room": true]])
        #expect(outcome(byNobody) == (".m.rule.message", true, false))
        #expect(outcome(message("@room lunch", from: "@admin:example.org")) == (".m.rule.roomnotif", true, true))
        #expect(outcome(message("@room lunch")) == (".m.rule.message", true, false))
        // "room": "true" (a string) is not a room mention.
        let stringy = message("hi", from: "@admin:example.org", extra: ["m.mentions": ["room": "true"]])
        #expect(outcome(stringy).highlight == false)
    }

    @Test func noticesAreSuppressedEvenWhenTheyMention() {
        #expect(outcome(message("build passed", msgtype: "m.notice")) == (".m.rule.suppress_notices", false, false))
        let mention = message("Alice Liddell", msgtype: "m.notice",
                              extra: ["m.mentions": ["user_ids": [.string(Self.alice)]]])
        #expect(outcome(mention).notify == false)
    }

    @Test func editsAreSuppressed() {
        let edit = message("* fixed", extra: [
            "m.new_content": ["msgtype": "m.text", "body": "fixed"],
            "m.relates_to": ["rel_type": "m.replace", "event_id": "$original"],
            "m.mentions": ["user_ids": [.string(Self.alice)]],
        ])
        // An edit that newly mentions the user still highlights: the mention rules come before
        // suppress_edits, and clients list only the new mentions in an edit's m.mentions.
        #expect(outcome(edit).rule == ".m.rule.is_user_mention")
        let plainEdit = message("* fixed", extra: [
            "m.relates_to": ["rel_type": "m.replace", "event_id": "$original"], "m.mentions": [:],
        ])
        #expect(outcome(plainEdit) == (".m.rule.suppress_edits", false, false))
    }

    @Test func oneToOneRoomsAndEncryptedEvents() {
        #expect(outcome(message("hi"), members: 2) == (".m.rule.room_one_to_one", true, false))
        let encrypted: JSONObject = ["type": "m.room.encrypted", "sender": "@bob:example.org",
                                     "content": ["algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "..."]]
        #expect(outcome(encrypted, members: 2) == (".m.rule.encrypted_room_one_to_one", true, false))
        #expect(outcome(encrypted, members: 3) == (".m.rule.encrypted", true, false))
        let sounds = evaluator.evaluate(encrypted, context(members: 2)).actions
        #expect(sounds.contains(.sound("default")))
    }

    @Test func memberEventsInvitesAndOtherTypes() {
        let join: JSONObject = ["type": "m.room.member", "state_key": "@carol:example.org",
                                "sender": "@carol:example.org", "content": ["membership": "join"]]
        #expect(outcome(join) == (".m.rule.member_event", false, false))
        let invite: JSONObject = ["type": "m.room.member", "state_key": .string(Self.alice),
                                  "sender": "@bob:example.org", "content": ["membership": "invite"]]
        #expect(outcome(invite) == (".m.rule.invite_for_me", true, false))
        let reaction: JSONObject = ["type": "m.reaction", "sender": "@bob:example.org",
                                    "content": ["m.relates_to": ["rel_type": "m.annotation", "key": "👍",
                                                                 "event_id": "$x"]]]
        #expect(outcome(reaction) == (".m.rule.reaction", false, false))
        let tombstone: JSONObject = ["type": "m.room.tombstone", "state_key": "", "sender": "@bob:example.org",
                                     "content": ["body": "moved", "replacement_room": "!new:example.org"]]
        #expect(outcome(tombstone) == (".m.rule.tombstone", true, true))
        let acl: JSONObject = ["type": "m.room.server_acl", "state_key": "", "sender": "@bob:example.org",
                               "content": ["allow": ["*"]]]
        #expect(outcome(acl) == (".m.rule.room.server_acl", false, false))
        let call: JSONObject = ["type": "m.call.invite", "sender": "@bob:example.org", "content": ["call_id": "1"]]
        #expect(outcome(call) == (".m.rule.call", true, false))
        #expect(evaluator.evaluate(call, context()).actions.contains(.sound("ring")))
        let topic: JSONObject = ["type": "m.room.topic", "state_key": "", "sender": "@bob:example.org",
                                 "content": ["topic": "tea"]]
        #expect(outcome(topic) == (nil, false, false))
    }

    @Test func theMasterRuleSilencesEverythingWhenEnabled() {
        var rules = PushRuleSet.serverDefault(for: Self.alice).ordered
        let index = rules.firstIndex { $0.ruleId == ".m.rule.master" }!
        rules[index].enabled = true
        let muted = PushRuleEvaluator(rules: PushRuleSet(rules))
        let mention = message("hi", extra: ["m.mentions": ["user_ids": [.string(Self.alice)]]])
        #expect(muted.evaluate(mention, context()).ruleId == ".m.rule.master")
        #expect(!muted.evaluate(mention, context()).notify)
    }

    @Test func userRulesOfEachKindTakeTheirPlace() {
        let rules = PushRuleSet.serverDefault(for: Self.alice).ordered + [
            PushRule(kind: .room, ruleId: "!quiet:example.org", actions: []),
            PushRule(kind: .sender, ruleId: "@loud:example.org", actions: [.notify, .highlight]),
            PushRule(kind: .content, ruleId: "cake", pattern: "cake*", actions: [.notify, .sound("cake.wav")]),
        ]
        let evaluator = PushRuleEvaluator(rules: PushRuleSet(rules))
        var quiet = message("hello")
        quiet["room_id"] = "!quiet:example.org"
        #expect(evaluator.evaluate(quiet, context()).ruleId == "!quiet:example.org")
        #expect(!evaluator.evaluate(quiet, context()).notify)
        #expect(evaluator.evaluate(message("x", from: "@loud:example.org"), context()).highlight)
        #expect(evaluator.evaluate(message("cakes please"), context()).ruleId == "cake")
        // Content rules come before room rules.
        quiet["content"] = ["msgtype": "m.text", "body": "cake!"]
        #expect(evaluator.evaluate(quiet, context()).ruleId == "cake")
    }

    @Test func highlightTweakValues() {
        #expect([PushAction.notify, .highlight].highlights)
        #expect([PushAction.notify, .setTweak("highlight", value: true)].highlights)
        #expect(![PushAction.notify, .setTweak("highlight", value: false)].highlights)
        #expect(![PushAction.notify].highlights)
        // A highlight without notify is not counted as one.
        #expect(!PushEvaluation(ruleId: "x", actions: [.highlight]).highlight)
    }
}
