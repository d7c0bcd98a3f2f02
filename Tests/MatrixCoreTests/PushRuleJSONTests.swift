import MatrixCore
import Testing

/// Push rules as JSON: the server-default rules read back exactly as the spec defines them, and rules
/// survive a round trip (the push rules API will serve and accept them).
@Suite struct PushRuleJSONTests {
    static let user = "@alice:example.org"
    let defaults = PushRuleSet.serverDefault(for: Self.user)

    func parse(_ text: String) throws -> JSONObject {
        try #require(try JSONParser.parse(text).objectValue)
    }

    /// Definitions copied from the spec (push module, "Predefined Rules"), with the placeholders filled in.
    static let specDefinitions: [(PushRuleKind, String)] = [
        (.override, """
            {"rule_id": ".m.rule.master", "default": true, "enabled": false, "conditions": [], "actions": []}
            """),
        (.override, """
            {"rule_id": ".m.rule.suppress_notices", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "content.msgtype", "pattern": "m.notice"}], "actions": []}
            """),
        (.override, """
            {"rule_id": ".m.rule.invite_for_me", "default": true, "enabled": true,
             "conditions": [{"key": "type", "kind": "event_match", "pattern": "m.room.member"},
                            {"key": "content.membership", "kind": "event_match", "pattern": "invite"},
                            {"key": "state_key", "kind": "event_match", "pattern": "@alice:example.org"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}]}
            """),
        (.override, """
            {"rule_id": ".m.rule.member_event", "default": true, "enabled": true,
             "conditions": [{"key": "type", "kind": "event_match", "pattern": "m.room.member"}], "actions": []}
            """),
        (.override, """
            {"rule_id": ".m.rule.is_user_mention", "default": true, "enabled": true,
             "conditions": [{"kind": "event_property_contains", "key": "content.m\\\\.mentions.user_ids",
                             "value": "@alice:example.org"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]}
            """),
        (.override, """
            {"rule_id": ".m.rule.is_room_mention", "default": true, "enabled": true,
             "conditions": [{"kind": "event_property_is", "key": "content.m\\\\.mentions.room", "value": true},
                            {"kind": "sender_notification_permission", "key": "room"}],
             "actions": ["notify", {"set_tweak": "highlight"}]}
            """),
        (.override, """
            {"rule_id": ".m.rule.tombstone", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.tombstone"},
                            {"kind": "event_match", "key": "state_key", "pattern": ""}],
             "actions": ["notify", {"set_tweak": "highlight"}]}
            """),
        (.override, """
            {"rule_id": ".m.rule.reaction", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.reaction"}], "actions": []}
            """),
        (.override, """
            {"rule_id": ".m.rule.room.server_acl", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.server_acl"},
                            {"kind": "event_match", "key": "state_key", "pattern": ""}], "actions": []}
            """),
        (.override, """
            {"rule_id": ".m.rule.suppress_edits", "default": true, "enabled": true,
             "conditions": [{"kind": "event_property_is", "key": "content.m\\\\.relates_to.rel_type",
                             "value": "m.replace"}], "actions": []}
            """),
        (.underride, """
            {"rule_id": ".m.rule.call", "default": true, "enabled": true,
             "conditions": [{"key": "type", "kind": "event_match", "pattern": "m.call.invite"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "ring"}]}
            """),
        (.underride, """
            {"rule_id": ".m.rule.encrypted_room_one_to_one", "default": true, "enabled": true,
             "conditions": [{"kind": "room_member_count", "is": "2"},
                            {"kind": "event_match", "key": "type", "pattern": "m.room.encrypted"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}]}
            """),
        (.underride, """
            {"rule_id": ".m.rule.room_one_to_one", "default": true, "enabled": true,
             "conditions": [{"kind": "room_member_count", "is": "2"},
                            {"kind": "event_match", "key": "type", "pattern": "m.room.message"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}]}
            """),
        (.underride, """
            {"rule_id": ".m.rule.message", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.message"}],
             "actions": ["notify"]}
            """),
        (.underride, """
            {"rule_id": ".m.rule.encrypted", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.encrypted"}],
             "actions": ["notify"]}
            """),
        // The legacy mention rules as v1.16 defined them.
        (.override, """
            {"rule_id": ".m.rule.contains_display_name", "default": true, "enabled": true,
             "conditions": [{"kind": "contains_display_name"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]}
            """),
        (.override, """
            {"rule_id": ".m.rule.roomnotif", "default": true, "enabled": true,
             "conditions": [{"kind": "event_match", "key": "content.body", "pattern": "@room"},
                            {"kind": "sender_notification_permission", "key": "room"}],
             "actions": ["notify", {"set_tweak": "highlight"}]}
            """),
        (.content, """
            {"rule_id": ".m.rule.contains_user_name", "default": true, "enabled": true, "pattern": "alice",
             "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]}
            """),
    ]

    @Test func defaultsAreTheSpecsDefinitions() throws {
        for (kind, text) in Self.specDefinitions {
            let expected = try parse(text)
            let id = try #require(expected["rule_id"]?.stringValue)
            let rule = try #require(defaults.rule(kind, id), "\(id)")
            #expect(rule.json == expected, "\(id)")
            #expect(PushRule(kind: kind, json: expected) == rule, "\(id)")
        }
        // Every default rule is accounted for, and none is missing from the spec's list.
        #expect(defaults.ordered.count == Self.specDefinitions.count)
    }

    @Test func defaultsAreInTheSpecsOrder() {
        #expect(defaults[.override].map(\.ruleId) == [
            ".m.rule.master", ".m.rule.suppress_notices", ".m.rule.invite_for_me", ".m.rule.member_event",
            ".m.rule.is_user_mention", ".m.rule.contains_display_name", ".m.rule.is_room_mention",
            ".m.rule.roomnotif", ".m.rule.tombstone", ".m.rule.reaction", ".m.rule.room.server_acl",
            ".m.rule.suppress_edits",
        ])
        #expect(defaults[.content].map(\.ruleId) == [".m.rule.contains_user_name"])
        #expect(defaults[.underride].map(\.ruleId) == [
            ".m.rule.call", ".m.rule.encrypted_room_one_to_one", ".m.rule.room_one_to_one", ".m.rule.message",
            ".m.rule.encrypted",
        ])
        #expect(defaults.ordered.allSatisfy { $0.isDefault && $0.ruleId.hasPrefix(".") })
    }

    @Test func rulesetJSONHasEveryKind() throws {
        let json = defaults.json
        #expect(Set(json.keys) == ["override", "content", "room", "sender", "underride"])
        #expect(json["room"] == [])
        #expect(PushRuleSet(json: json) == defaults)
    }

    @Test func historicalActionsAreStrippedAndUnknownOnesKept() throws {
        let rule = try #require(PushRule(kind: .override, json: try parse("""
            {"rule_id": "x", "default": false, "enabled": true, "conditions": [],
             "actions": ["dont_notify", "coalesce", "notify", "org.example.blink", {"set_tweak": "sound", "value": "a"}]}
            """)))
        #expect(rule.actions == [.notify, .unknown("org.example.blink"), .sound("a")])
        #expect(PushRule(kind: .override, json: try parse(#"{"rule_id": "x", "actions": ["dont_notify"]}"#))?.actions == [])
    }

    @Test func malformedRulesAreRefused() throws {
        #expect(PushRule(kind: .override, json: try parse(#"{"actions": []}"#)) == nil)
        #expect(PushRule(kind: .override, json: try parse(#"{"rule_id": "x"}"#)) == nil)
        #expect(PushRule(kind: .content, json: try parse(#"{"rule_id": "x", "actions": []}"#)) == nil)
        #expect(PushRule(kind: .override, json: try parse(#"{"rule_id": "x", "actions": [], "conditions": [1]}"#)) == nil)
    }

    @Test func unknownConditionsRoundTrip() throws {
        let json = try parse("""
            {"rule_id": "future", "default": false, "enabled": true, "actions": ["notify"],
             "conditions": [{"kind": "org.example.moon_phase", "phase": "full"}]}
            """)
        let rule = try #require(PushRule(kind: .underride, json: json))
        #expect(rule.json == json)
        #expect(PushRuleEvaluator(rules: PushRuleSet([rule])).evaluate(
            ["type": "m.room.message", "sender": "@b:x"],
            PushEvaluationContext(userId: "@a:x", displayName: nil, memberCount: 2,
                                  powerLevels: PowerLevels(content: nil, creators: nil, roomVersion: .v11))) == .none)
    }
}
