import MatrixCore
import Testing

/// The push rule conditions one by one, with the spec's examples (push module, "Conditions") and the
/// appendix's property paths and globs.
@Suite struct PushConditionTests {
    let context = PushEvaluationContext(
        userId: "@alice:example.org", displayName: "Alice", memberCount: 5,
        powerLevels: PowerLevels(content: ["users": ["@admin:example.org": 100], "notifications": ["room": 20],
                                           "users_default": 0], creators: nil, roomVersion: .v11))

    func holds(_ condition: PushCondition, _ event: JSONObject) -> Bool {
        PushRuleEvaluator(rules: PushRuleSet()).matches(condition, event, context)
    }

    func event(_ text: String) throws -> JSONObject {
        try #require(try JSONParser.parse(text).objectValue)
    }

    @Test func eventMatchIsAWholeValueCaseInsensitiveGlob() throws {
        let topic = PushCondition.eventMatch(key: "content.topic", pattern: "lunc?*")
        for value in ["Lunch plans", "LUNCH", "lunch"] {
            #expect(holds(topic, ["content": ["topic": .string(value)]]), "\(value)")
        }
        for value in [" lunch", "lunc"] {
            #expect(!holds(topic, ["content": ["topic": .string(value)]]), "\(value)")
        }
        #expect(!holds(topic, ["content": ["topic": nil]]))
        #expect(!holds(.eventMatch(key: "content.topic", pattern: "*"), ["content": ["topic": 5]]))
        #expect(!holds(.eventMatch(key: "content.topic", pattern: "*"), ["content": [:]]))
        #expect(holds(.eventMatch(key: "state_key", pattern: ""), ["state_key": ""]))
        #expect(!holds(.eventMatch(key: "state_key", pattern: ""), ["state_key": "x"]))
        #expect(!holds(.eventMatch(key: "type", pattern: "m.room"), ["type": "m.room.message"]))
    }

    @Test func bodyMatchesWithinWordBoundaries() {
        let example = PushCondition.eventMatch(key: "content.body", pattern: "ex*ple")
        for body in ["An example event.", "exple", "An exciting triple-whammy", "EXAMPLE"] {
            #expect(holds(example, ["content": ["body": .string(body)]]), "\(body)")
        }
        for body in ["examples", "counterexample", "an_example", "ex"] {
            #expect(!holds(example, ["content": ["body": .string(body)]]), "\(body)")
        }
        let room = PushCondition.eventMatch(key: "content.body", pattern: "@room")
        #expect(holds(room, ["content": ["body": "Hey @room, lunch?"]]))
        #expect(holds(room, ["content": ["body": "@room"]]))
        #expect(!holds(room, ["content": ["body": "@roomy"]]))
        #expect(!holds(.eventMatch(key: "content.body", pattern: "cake"), ["content": ["body": "cupcake time"]]))
        #expect(holds(.eventMatch(key: "content.body", pattern: "c?ke"), ["content": ["body": "some CAKE!"]]))
    }

    @Test func aHostileBodyPatternStaysCheap() {
        // Quadratic or exponential backtracking would not finish this in any reasonable time.
        let body = String(repeating: "a", count: 20_000)
        let pattern = String(repeating: "*a", count: 50) + "b"
        #expect(!holds(.eventMatch(key: "content.body", pattern: pattern), ["content": ["body": .string(body)]]))
    }

    @Test func propertyPathsHonourEscapes() throws {
        let create = try event("""
            {"content": {"creator": "@example:example.org", "m.federate": true,
              "predecessor": {"event_id": "$something:example.org", "room_id": "!oldroom:example.org"},
              "room_version": "1"},
             "event_id": "$143273582443PhrSn:example.org", "room_id": "!636q39766251:example.com",
             "sender": "@example:example.org", "state_key": "", "type": "m.room.create"}
            """)
        #expect(holds(.eventPropertyIs(key: "content.m\\.federate", value: true), create))
        #expect(!holds(.eventPropertyIs(key: "content.m.federate", value: true), create))
        #expect(!holds(.eventPropertyIs(key: "content.m\\.federate", value: "true"), create))
        #expect(!holds(.eventPropertyIs(key: "content.m\\.federate", value: 1), create))
        #expect(holds(.eventMatch(key: "content.predecessor.room_id", pattern: "!oldroom:*"), create))
        #expect(PropertyPath("content.m\\\\foo").components == ["content", "m\\foo"])
        #expect(PropertyPath("content.m\\xfoo").components == ["content", "m\\xfoo"])
        #expect(PropertyPath("a\\.b.c").components == ["a.b", "c"])
        #expect(PropertyPath(components: ["content", "m.relates_to"]).description == "content.m\\.relates_to")
    }

    @Test func propertyIsComparesOnlyScalars() {
        let event: JSONObject = ["content": ["n": 3, "f": .double(3.0), "a": [1], "o": ["x": 1], "z": nil, "s": "x"]]
        #expect(holds(.eventPropertyIs(key: "content.n", value: 3), event))
        #expect(!holds(.eventPropertyIs(key: "content.f", value: 3), event))
        #expect(holds(.eventPropertyIs(key: "content.z", value: nil), event))
        #expect(!holds(.eventPropertyIs(key: "content.missing", value: nil), event))
        #expect(holds(.eventPropertyIs(key: "content.s", value: "x"), event))
        #expect(!holds(.eventPropertyIs(key: "content.s", value: "X"), event))
        // Compound values never match, and a condition asking for one is not a condition at all.
        #expect(!holds(.eventPropertyIs(key: "content.a", value: [1]), event))
        #expect(PushCondition(json: ["kind": "event_property_is", "key": "content.a", "value": [1]])
            == .unknown(["kind": "event_property_is", "key": "content.a", "value": [1]]))
    }

    @Test func propertyContainsLooksInArrays() throws {
        let aliases = try event("""
            {"content": {"alias": "#somewhere:localhost",
              "alt_aliases": ["#somewhere:example.org", "#myroom:example.com", {"x": 1}, 7]},
             "type": "m.room.canonical_alias", "state_key": "", "sender": "@example:example.org"}
            """)
        #expect(holds(.eventPropertyContains(key: "content.alt_aliases", value: "#myroom:example.com"), aliases))
        #expect(holds(.eventPropertyContains(key: "content.alt_aliases", value: 7), aliases))
        #expect(!holds(.eventPropertyContains(key: "content.alt_aliases", value: ":example.com"), aliases))
        #expect(!holds(.eventPropertyContains(key: "content.alias", value: "#somewhere:localhost"), aliases))
        #expect(!holds(.eventPropertyContains(key: "content.none", value: "x"), aliases))
    }

    @Test func displayNameMatchesWholeWordsIgnoringCase() {
        for body in ["Alice: hi", "hi alice", "hey ALICE!", "(alice)", "alice"] {
            #expect(holds(.containsDisplayName, ["content": ["body": .string(body)]]), "\(body)")
        }
        for body in ["Malice", "alices", "alice_b", "al ice"] {
            #expect(!holds(.containsDisplayName, ["content": ["body": .string(body)]]), "\(body)")
        }
        let starry = PushEvaluationContext(userId: "@s:x", displayName: "St*r", memberCount: 3,
                                           powerLevels: context.powerLevels)
        let evaluator = PushRuleEvaluator(rules: PushRuleSet())
        // A display name is literal text, not a glob.
        #expect(evaluator.matches(.containsDisplayName, ["content": ["body": "hi St*r"]], starry))
        #expect(!evaluator.matches(.containsDisplayName, ["content": ["body": "hi Star"]], starry))
        let nameless = PushEvaluationContext(userId: "@s:x", displayName: "", memberCount: 3,
                                             powerLevels: context.powerLevels)
        #expect(!evaluator.matches(.containsDisplayName, ["content": ["body": "anything"]], nameless))
    }

    @Test(arguments: [
        ("2", 2, true), ("2", 3, false), ("==5", 5, true), ("<5", 4, true), ("<5", 5, false), (">5", 6, true),
        (">5", 5, false), ("<=5", 5, true), ("<=5", 6, false), (">=5", 5, true), (">=5", 4, false),
    ] as [(String, Int64, Bool)])
    func memberCount(_ text: String, _ count: Int64, _ expected: Bool) throws {
        let bound = try #require(RoomMemberCountBound(parsing: text))
        #expect(bound.matches(count) == expected)
    }

    @Test func malformedMemberCountsNeverMatch() {
        for text in ["", "==", "=5", "<>5", "five", "5.0", "-1", "< 5", "\u{0663}"] {
            #expect(RoomMemberCountBound(parsing: text) == nil, "\(text)")
            #expect(!holds(PushCondition(json: ["kind": "room_member_count", "is": .string(text)]), [:]))
        }
        #expect(RoomMemberCountBound(parsing: ">=10")?.description == ">=10")
        #expect(RoomMemberCountBound(parsing: "==2")?.description == "2")
    }

    @Test func senderNotificationPermissionUsesPowerLevels() {
        let condition = PushCondition.senderNotificationPermission(key: "room")
        #expect(holds(condition, ["sender": "@admin:example.org"]))
        #expect(!holds(condition, ["sender": "@nobody:example.org"]))
        // Without a `notifications` entry the level is 50.
        let defaults = PushEvaluationContext(
            userId: "@a:x", displayName: nil, memberCount: 3,
            powerLevels: PowerLevels(content: ["users": ["@mod:x": 50, "@voice:x": 49]], creators: nil, roomVersion: .v11))
        let evaluator = PushRuleEvaluator(rules: PushRuleSet())
        #expect(evaluator.matches(condition, ["sender": "@mod:x"], defaults))
        #expect(!evaluator.matches(condition, ["sender": "@voice:x"], defaults))
        #expect(!evaluator.matches(.senderNotificationPermission(key: "other"), ["sender": "@voice:x"], defaults))
    }

    @Test func unknownConditionsNeverMatch() {
        let unknown = PushCondition(json: ["kind": "org.example.future", "key": "type"])
        #expect(unknown == .unknown(["kind": "org.example.future", "key": "type"]))
        #expect(!holds(unknown, ["type": "m.room.message"]))
        #expect(PushCondition(json: ["kind": "event_match", "key": "type"]) == .unknown(["kind": "event_match", "key": "type"]))
    }
}
