import MatrixCore
import Testing

@Suite struct RedactionTests {
    static let allTopLevelKeys = #"""
        {"event_id": "$e:x", "type": "m.room.message", "room_id": "!r:x", "sender": "@u:x", "state_key": "s",
         "content": {"body": "b"}, "hashes": {"sha256": "h"}, "signatures": {"x": {"ed25519:1": "s"}}, "depth": 2,
         "prev_events": ["$p"], "prev_state": [], "auth_events": ["$a"], "origin": "x", "origin_server_ts": 1,
         "membership": "join", "unsigned": {"age": 1}, "redacts": "$r", "age_ts": 5, "custom": true}
        """#

    @Test(arguments: RoomVersion.all)
    func topLevelKeys(version: RoomVersion) throws {
        let redacted = Redaction.redact(try SigningFixtures.object(Self.allTopLevelKeys), roomVersion: version)
        var expected: Set<String> = [
            "event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures", "depth",
            "prev_events", "auth_events", "origin_server_ts",
        ]
        // v11 stopped protecting these three.
        if Int(version.identifier) ?? 0 <= 10 { expected.formUnion(["origin", "membership", "prev_state"]) }
        #expect(Set(redacted.keys) == expected)
        #expect(redacted["content"] == [:])
        #expect(redacted["signatures"] == ["x": ["ed25519:1": "s"]])
    }

    struct ContentCase: Sendable, CustomTestStringConvertible {
        let type: String
        let content: String
        /// What remains of `content`, by room version range.
        let expected: [(versions: ClosedRange<Int>, content: String)]
        var testDescription: String { type }
    }

    static let contentCases: [ContentCase] = [
        ContentCase(
            type: "m.room.member",
            content: #"""
                {"membership": "join", "displayname": "A", "avatar_url": "mxc://x/y",
                 "join_authorised_via_users_server": "@admin:x", "reason": "r",
                 "third_party_invite": {"display_name": "d", "signed": {"mxid": "@u:x", "token": "t", "signatures": {}}}}
                """#,
            expected: [
                (1...8, #"{"membership": "join"}"#),
                (9...10, #"{"membership": "join", "join_authorised_via_users_server": "@admin:x"}"#),
                (11...12, #"""
                    {"membership": "join", "join_authorised_via_users_server": "@admin:x",
                     "third_party_invite": {"signed": {"mxid": "@u:x", "token": "t", "signatures": {}}}}
                    """#),
            ]),
        ContentCase(
            type: "m.room.member",
            content: #"{"membership": "invite", "third_party_invite": {"display_name": "d"}}"#,
            expected: [(1...12, #"{"membership": "invite"}"#)]),
        ContentCase(
            type: "m.room.create",
            content: #"{"creator": "@u:x", "room_version": "1", "m.federate": false, "predecessor": {"room_id": "!o:x"}}"#,
            expected: [
                (1...10, #"{"creator": "@u:x"}"#),
                (11...12, #"{"creator": "@u:x", "room_version": "1", "m.federate": false, "predecessor": {"room_id": "!o:x"}}"#),
            ]),
        ContentCase(
            type: "m.room.join_rules",
            content: #"{"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": "!a:x"}], "x": 1}"#,
            expected: [
                (1...7, #"{"join_rule": "restricted"}"#),
                // v8's own redaction section adds `allow`, before v9's redaction variant.
                (8...12, #"{"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": "!a:x"}]}"#),
            ]),
        ContentCase(
            type: "m.room.power_levels",
            content: #"""
                {"ban": 50, "events": {"m.room.name": 50}, "events_default": 0, "invite": 0, "kick": 50, "redact": 50,
                 "state_default": 50, "users": {"@u:x": 100}, "users_default": 0, "notifications": {"room": 50},
                 "historical": 100}
                """#,
            expected: [
                (1...10, #"""
                    {"ban": 50, "events": {"m.room.name": 50}, "events_default": 0, "kick": 50, "redact": 50,
                     "state_default": 50, "users": {"@u:x": 100}, "users_default": 0}
                    """#),
                (11...12, #"""
                    {"ban": 50, "events": {"m.room.name": 50}, "events_default": 0, "invite": 0, "kick": 50,
                     "redact": 50, "state_default": 50, "users": {"@u:x": 100}, "users_default": 0}
                    """#),
            ]),
        ContentCase(
            type: "m.room.history_visibility",
            content: #"{"history_visibility": "shared", "x": 1}"#,
            expected: [(1...12, #"{"history_visibility": "shared"}"#)]),
        ContentCase(
            type: "m.room.aliases",
            content: ##"{"aliases": ["#a:x"], "x": 1}"##,
            expected: [(1...5, ##"{"aliases": ["#a:x"]}"##), (6...12, "{}")]),
        ContentCase(
            type: "m.room.redaction",
            content: #"{"redacts": "$e", "reason": "spam"}"#,
            expected: [(1...10, "{}"), (11...12, #"{"redacts": "$e"}"#)]),
        ContentCase(
            type: "m.room.message",
            content: #"{"body": "hello", "msgtype": "m.text"}"#,
            expected: [(1...12, "{}")]),
        ContentCase(
            type: "m.room.name",
            content: #"{"name": "Room"}"#,
            expected: [(1...12, "{}")]),
    ]

    @Test(arguments: contentCases)
    func contentKeys(testCase: ContentCase) throws {
        for version in RoomVersion.all {
            let number = try #require(Int(version.identifier))
            let expected = try #require(testCase.expected.first { $0.versions.contains(number) }, "v\(number)")
            let event: JSONObject = [
                "type": .string(testCase.type), "state_key": "", "content": .object(try SigningFixtures.object(testCase.content)),
            ]
            let redacted = Redaction.redact(event, roomVersion: version)
            #expect(redacted["content"] == .object(try SigningFixtures.object(expected.content)), "v\(number)")
        }
    }

    @Test(arguments: RoomVersion.all)
    func redactingTwiceChangesNothing(version: RoomVersion) throws {
        for testCase in Self.contentCases {
            var event = try SigningFixtures.object(Self.allTopLevelKeys)
            event["type"] = .string(testCase.type)
            event["content"] = .object(try SigningFixtures.object(testCase.content))
            let once = Redaction.redact(event, roomVersion: version)
            #expect(Redaction.redact(once, roomVersion: version) == once, "\(testCase.type) v\(version)")
        }
    }

    @Test func malformedOrMissingContent() {
        #expect(Redaction.redact(["type": "m.room.member", "content": "x"], roomVersion: .v11)["content"] == [:])
        #expect(Redaction.redact(["type": "m.room.member"], roomVersion: .v11)["content"] == nil)
        // A non-object third_party_invite has no `signed` to keep.
        let member: JSONObject = ["type": "m.room.member", "content": ["membership": "join", "third_party_invite": "x"]]
        #expect(Redaction.redact(member, roomVersion: .v11)["content"] == ["membership": "join"])
    }

    @Test func joinRuleAllowFollowsRestrictedJoins() {
        #expect(RoomVersion.all.filter(\.redactionKeepsJoinRuleAllow).map(\.identifier)
            == ["8", "9", "10", "11", "12"])
    }
}
