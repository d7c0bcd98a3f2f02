import MatrixCore
import Testing

@Suite struct RoomCreationPlanTests {
    static let alice = "@alice:example.org"
    static let bob = "@bob:remote.org"
    static let carol = "@carol:example.org"

    static func plan(
        _ body: JSONObject, version: RoomVersion = .default, encryption: JSONObject? = nil
    ) throws(MatrixError) -> RoomCreationPlan {
        try RoomCreationPlan(
            body: body, creator: alice, serverName: "example.org", defaultRoomVersion: version,
            encryptionContent: encryption)
    }

    static func types(_ plan: RoomCreationPlan) -> [String] {
        plan.events.map { $0.stateKey.isEmpty ? $0.type : "\($0.type)/\($0.stateKey)" }
    }

    static func event(_ plan: RoomCreationPlan, _ type: String, _ stateKey: String = "") -> StateEventDraft? {
        plan.events.first { $0.type == type && $0.stateKey == stateKey }
    }

    static func expectError(_ errcode: String, _ body: JSONObject, version: RoomVersion = .default) {
        do {
            _ = try plan(body, version: version)
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.errcode == errcode, "\(body): \(error)")
            #expect(error.status == 400)
        }
    }

    @Test func emptyRequestIsAPrivateChat() throws {
        let plan = try Self.plan([:])
        #expect(plan.roomVersion == .v12)
        #expect(plan.preset == .privateChat)
        #expect(plan.visibility == .private)
        #expect(plan.alias == nil)
        #expect(plan.invites.isEmpty)
        #expect(
            Self.types(plan) == [
                "m.room.create", "m.room.member/\(Self.alice)", "m.room.power_levels", "m.room.join_rules",
                "m.room.history_visibility", "m.room.guest_access",
            ])
        #expect(plan.createContent == ["room_version": "12"])
        #expect(plan.events[0].content == plan.createContent)
        #expect(plan.events[1].content == ["membership": "join"])
        #expect(Self.event(plan, "m.room.join_rules")?.content == ["join_rule": "invite"])
        #expect(Self.event(plan, "m.room.history_visibility")?.content == ["history_visibility": "shared"])
        #expect(Self.event(plan, "m.room.guest_access")?.content == ["guest_access": "can_join"])
    }

    @Test func fullRequestOrder() throws {
        let plan = try Self.plan([
            "preset": "public_chat", "visibility": "public", "room_alias_name": "pub", "name": "The Pub",
            "topic": "Happy hour", "invite": [.string(Self.bob)], "is_direct": true,
            "initial_state": [
                ["type": "m.room.avatar", "content": ["url": "mxc://example.org/a"]],
                ["type": "org.example.custom", "state_key": "k", "content": ["x": 1]],
            ],
        ])
        #expect(plan.visibility == .public)
        #expect(plan.alias == "#pub:example.org")
        #expect(
            Self.types(plan) == [
                "m.room.create", "m.room.member/\(Self.alice)", "m.room.power_levels", "m.room.canonical_alias",
                "m.room.join_rules", "m.room.history_visibility", "m.room.avatar", "org.example.custom/k",
                "m.room.name", "m.room.topic",
            ])
        #expect(Self.event(plan, "m.room.canonical_alias")?.content == ["alias": "#pub:example.org"])
        #expect(Self.event(plan, "m.room.join_rules")?.content == ["join_rule": "public"])
        #expect(Self.event(plan, "m.room.name")?.content == ["name": "The Pub"])
        #expect(
            Self.event(plan, "m.room.topic")?.content == [
                "topic": "Happy hour", "m.topic": ["m.text": [["body": "Happy hour"]]],
            ])
        #expect(plan.invites == [Self.bob])
        #expect(plan.isDirect)
        #expect(
            plan.inviteEvents == [
                StateEventDraft(
                    type: "m.room.member", stateKey: Self.bob, content: ["membership": "invite", "is_direct": true])
            ])
    }

    @Test func visibilityPicksThePreset() throws {
        #expect(try Self.plan(["visibility": "public"]).preset == .publicChat)
        #expect(try Self.plan(["visibility": "private"]).preset == .privateChat)
        #expect(try Self.plan(["visibility": "public", "preset": "private_chat"]).preset == .privateChat)
        let trusted = try Self.plan(["preset": "trusted_private_chat"])
        #expect(trusted.preset == .trustedPrivateChat)
        #expect(Self.event(trusted, "m.room.join_rules")?.content == ["join_rule": "invite"])
        // public_chat: guest access forbidden, which is the absence of the event.
        #expect(Self.event(try Self.plan(["preset": "public_chat"]), "m.room.guest_access") == nil)
    }

    @Test func powerLevelDefaultsV12() throws {
        let plan = try Self.plan([:])
        let content = try #require(Self.event(plan, "m.room.power_levels")?.content)
        #expect(content["users"] == .object([:]))
        #expect(content["users_default"] == 0)
        #expect(content["events_default"] == 0)
        #expect(content["state_default"] == 50)
        #expect(content["ban"] == 50)
        #expect(content["kick"] == 50)
        #expect(content["redact"] == 50)
        #expect(content["invite"] == 0, "private_chat lets members invite")
        let events = try #require(content["events"]?.objectValue)
        #expect(events["m.room.tombstone"] == 150)
        #expect(events["m.room.power_levels"] == 100)
        #expect(events["m.room.history_visibility"] == 100)
        #expect(events["m.room.server_acl"] == 100)
        #expect(events["m.room.encryption"] == 100)
        #expect(events["m.room.name"] == 50)
        #expect(events["m.room.canonical_alias"] == 50)
        #expect(events["m.room.avatar"] == 50)
        #expect(events["m.call.invite"] == nil)
    }

    @Test func powerLevelDefaultsBeforeV12() throws {
        for version in RoomVersion.versions(1...11) {
            let plan = try Self.plan(["preset": "public_chat"], version: version)
            let content = try #require(Self.event(plan, "m.room.power_levels")?.content)
            #expect(content["users"] == [Self.alice: 100])
            #expect(content["invite"] == 50, "public_chat keeps invite at 50")
            #expect(content["events"]?["m.room.tombstone"] == 100)
            #expect(content["events"]?["m.call.invite"] == 50)
        }
    }

    @Test func createContentPerVersion() throws {
        let body: JSONObject = [
            "creation_content": ["m.federate": false, "creator": "@mallory:evil.org", "room_version": "1"],
        ]
        for version in RoomVersion.versions(1...10) {
            let plan = try Self.plan(body, version: version)
            let expected: JSONObject = [
                "m.federate": false, "creator": .string(Self.alice), "room_version": .string(version.identifier),
            ]
            #expect(plan.createContent == expected)
        }
        for version in RoomVersion.versions(11...12) {
            let plan = try Self.plan(body, version: version)
            let expected: JSONObject = ["m.federate": false, "room_version": .string(version.identifier)]
            #expect(plan.createContent == expected)
        }
        let space = try Self.plan(["creation_content": ["type": "m.space"]])
        #expect(space.createContent["type"] == "m.space")
    }

    @Test func roomVersionFromRequest() throws {
        #expect(try Self.plan(["room_version": "10"]).roomVersion == .v10)
        #expect(try Self.plan([:], version: .v11).roomVersion == .v11)
        Self.expectError("M_UNSUPPORTED_ROOM_VERSION", ["room_version": "99"])
        Self.expectError("M_UNSUPPORTED_ROOM_VERSION", ["room_version": "org.example.custom"])
        Self.expectError("M_BAD_JSON", ["room_version": 10])
    }

    @Test func trustedPrivateChatInviteesV12AreCreators() throws {
        let plan = try Self.plan([
            "preset": "trusted_private_chat", "invite": [.string(Self.bob), .string(Self.carol)],
            "creation_content": ["additional_creators": [.string(Self.carol), "@dave:example.org"]],
        ])
        #expect(
            plan.createContent["additional_creators"] == [
                .string(Self.carol), "@dave:example.org", .string(Self.bob),
            ])
        #expect(Self.event(plan, "m.room.power_levels")?.content["users"] == .object([:]))
        #expect(plan.invites == [Self.bob, Self.carol])
    }

    @Test func trustedPrivateChatInviteesBeforeV12GetCreatorPower() throws {
        let plan = try Self.plan(["preset": "trusted_private_chat", "invite": [.string(Self.bob)]], version: .v11)
        let users = try #require(Self.event(plan, "m.room.power_levels")?.content["users"]?.objectValue)
        #expect(users[Self.alice] == 100)
        #expect(users[Self.bob] == 100)
        #expect(plan.createContent["additional_creators"] == nil)
        // private_chat invitees get nothing.
        let privateUsers = try Self.plan(["preset": "private_chat", "invite": [.string(Self.bob)]], version: .v11)
            .events[2].content["users"]?.objectValue
        #expect(privateUsers?[Self.bob] == nil)
    }

    @Test func powerLevelOverrideMergesAtTopLevel() throws {
        let plan = try Self.plan([
            "power_level_content_override": ["events": ["m.room.message": 10], "kick": 0, "users": [Self.bob: 50]]
        ])
        let content = try #require(Self.event(plan, "m.room.power_levels")?.content)
        #expect(content["events"] == ["m.room.message": 10], "the override replaces a whole top-level member")
        #expect(content["kick"] == 0)
        #expect(content["ban"] == 50)
        #expect(content["users"] == [Self.bob: 50])
    }

    @Test func v12CreatorsCannotBeInUsers() {
        Self.expectError("M_INVALID_ROOM_STATE", ["power_level_content_override": ["users": [Self.alice: 100]]])
        Self.expectError(
            "M_INVALID_ROOM_STATE",
            [
                "creation_content": ["additional_creators": [.string(Self.bob)]],
                "power_level_content_override": ["users": [Self.bob: 50]],
            ])
        Self.expectError(
            "M_INVALID_ROOM_STATE",
            [
                "preset": "trusted_private_chat", "invite": [.string(Self.bob)],
                "power_level_content_override": ["users": [Self.bob: 100]],
            ])
        Self.expectError(
            "M_INVALID_ROOM_STATE",
            ["initial_state": [["type": "m.room.power_levels", "content": ["users": [Self.alice: 100]]]]])
    }

    @Test func beforeV12UsersOverrideMustKeepTheCreator() throws {
        Self.expectError(
            "M_INVALID_ROOM_STATE", ["power_level_content_override": ["users": [Self.bob: 100]]], version: .v11)
        let plan = try Self.plan(
            ["power_level_content_override": ["users": [Self.alice: 100, Self.bob: 100]]],
            version: .v11)
        #expect(plan.events[2].content["users"]?.objectValue?.count == 2)
    }

    @Test func malformedPowerLevels() {
        for override: JSONObject in [
            ["ban": "50"], ["kick": .double(1.5)], ["events": ["m.room.name": "50"]], ["events": [1]],
            ["users": ["not-a-user": 10]], ["users": [Self.bob: true]], ["notifications": ["room": nil]],
            ["state_default": .int(9_007_199_254_740_992)],
        ] {
            Self.expectError("M_BAD_JSON", ["power_level_content_override": .object(override)], version: .v11)
        }
        Self.expectError("M_BAD_JSON", ["power_level_content_override": "all"])
    }

    @Test func initialStateOverridesPresetEvents() throws {
        let plan = try Self.plan([
            "room_alias_name": "room",
            "initial_state": [
                ["type": "m.room.join_rules", "content": ["join_rule": "knock"]],
                ["type": "m.room.history_visibility", "state_key": "", "content": ["history_visibility": "joined"]],
                ["type": "m.room.guest_access", "content": ["guest_access": "forbidden"]],
                ["type": "m.room.canonical_alias", "content": [:]],
                ["type": "m.room.join_rules", "content": ["join_rule": "public"]],
            ],
        ])
        #expect(
            Self.types(plan) == [
                "m.room.create", "m.room.member/\(Self.alice)", "m.room.power_levels", "m.room.join_rules",
                "m.room.history_visibility", "m.room.guest_access", "m.room.canonical_alias",
            ])
        #expect(Self.event(plan, "m.room.join_rules")?.content == ["join_rule": "public"], "last content wins")
        #expect(Self.event(plan, "m.room.history_visibility")?.content == ["history_visibility": "joined"])
        #expect(Self.event(plan, "m.room.guest_access")?.content == ["guest_access": "forbidden"])
        #expect(Self.event(plan, "m.room.canonical_alias")?.content == [:])
        #expect(plan.alias == "#room:example.org", "the alias is still created")
    }

    @Test func initialStatePowerLevelsReplaceTheGeneratedOnes() throws {
        let custom: JSONObject = ["users": ["@bob:remote.org": 100], "state_default": 0]
        let plan = try Self.plan([
            "initial_state": [["type": "org.example.first", "content": [:]], ["type": "m.room.power_levels", "content": .object(custom)]],
            "power_level_content_override": ["kick": 1],
        ])
        #expect(plan.events[2] == StateEventDraft(type: "m.room.power_levels", content: custom))
        #expect(Self.types(plan).filter { $0 == "m.room.power_levels" }.count == 1)
        #expect(Self.types(plan).last == "org.example.first")
    }

    @Test func nameAndTopicReplaceInitialState() throws {
        let plan = try Self.plan([
            "name": "Real", "topic": "Real topic",
            "initial_state": [
                ["type": "m.room.name", "content": ["name": "Ignored"]],
                ["type": "m.room.topic", "content": ["topic": "Ignored"]],
                ["type": "m.room.name", "state_key": "other", "content": ["name": "Kept"]],
            ],
        ])
        #expect(
            Self.types(plan).suffix(3) == ["m.room.name/other", "m.room.name", "m.room.topic"])
        #expect(Self.event(plan, "m.room.name")?.content == ["name": "Real"])
        // Without `name`, the initial_state name stays.
        let kept = try Self.plan(["initial_state": [["type": "m.room.name", "content": ["name": "Mine"]]]])
        #expect(Self.event(kept, "m.room.name")?.content == ["name": "Mine"])
    }

    @Test func encryptionByDefault() throws {
        let algorithm: JSONObject = ["algorithm": "m.megolm.v1.aes-sha2"]
        let plan = try Self.plan(["name": "N"], encryption: algorithm)
        #expect(Self.types(plan).suffix(2) == ["m.room.encryption", "m.room.name"])
        #expect(Self.event(plan, "m.room.encryption")?.content == algorithm)
        let own = try Self.plan(
            ["initial_state": [["type": "m.room.encryption", "content": ["algorithm": "x"]]]], encryption: algorithm)
        #expect(Self.types(own).filter { $0 == "m.room.encryption" }.count == 1)
        #expect(Self.event(own, "m.room.encryption")?.content == ["algorithm": "x"])
    }

    @Test func creatorJoinProfile() throws {
        let plan = try RoomCreationPlan(
            body: [:], creator: Self.alice, serverName: "example.org",
            creatorMemberContent: ["displayname": "Alice", "membership": "leave"])
        #expect(plan.events[1].content == ["displayname": "Alice", "membership": "join"])
    }

    @Test func invites() throws {
        let plan = try Self.plan(["invite": [.string(Self.bob), .string(Self.alice), .string(Self.bob), .string(Self.carol)]])
        #expect(plan.invites == [Self.bob, Self.carol], "no repeats, never the creator")
        #expect(!plan.isDirect)
        #expect(plan.inviteEvents.map(\.content) == [["membership": "invite"], ["membership": "invite"]])
        Self.expectError("M_INVALID_PARAM", ["invite": ["bob"]])
        Self.expectError("M_INVALID_PARAM", ["invite": ["@bob:bad host"]])
        Self.expectError("M_BAD_JSON", ["invite": [1]])
        Self.expectError("M_BAD_JSON", ["invite": .string(Self.bob)])
    }

    @Test func thirdPartyInvitesArePassedThrough() throws {
        let entry: JSONObject = ["medium": "email", "address": "a@b.c", "id_server": "id.org", "id_access_token": "t"]
        #expect(try Self.plan(["invite_3pid": [.object(entry)]]).thirdPartyInvites == [entry])
        Self.expectError("M_MISSING_PARAM", ["invite_3pid": [["medium": "email", "address": "a@b.c"]]])
    }

    @Test func aliasNames() throws {
        #expect(try Self.plan(["room_alias_name": "café"]).alias == "#café:example.org")
        #expect(try Self.plan(["room_alias_name": ""]).alias == nil)
        Self.expectError("M_INVALID_PARAM", ["room_alias_name": "has space"])
        Self.expectError("M_INVALID_PARAM", ["room_alias_name": "tab\there"])
        Self.expectError("M_INVALID_PARAM", ["room_alias_name": "#full:example.org"])
        Self.expectError("M_INVALID_PARAM", ["room_alias_name": .string(String(repeating: "a", count: 250))])
        Self.expectError("M_BAD_JSON", ["room_alias_name": 5])
    }

    @Test func badRequests() {
        Self.expectError("M_BAD_JSON", ["preset": "secret_chat"])
        Self.expectError("M_BAD_JSON", ["preset": 1])
        Self.expectError("M_BAD_JSON", ["visibility": "hidden"])
        Self.expectError("M_BAD_JSON", ["name": 1])
        Self.expectError("M_BAD_JSON", ["topic": ["text": "x"]])
        Self.expectError("M_BAD_JSON", ["is_direct": "true"])
        Self.expectError("M_BAD_JSON", ["creation_content": []])
        Self.expectError("M_BAD_JSON", ["creation_content": ["m.federate": "no"]])
        Self.expectError("M_BAD_JSON", ["creation_content": ["type": 1]])
        Self.expectError("M_BAD_JSON", ["creation_content": ["additional_creators": "@bob:remote.org"]])
        Self.expectError("M_INVALID_PARAM", ["creation_content": ["additional_creators": ["bob"]]])
        Self.expectError("M_BAD_JSON", ["initial_state": ["m.room.name"]])
        Self.expectError("M_BAD_JSON", ["initial_state": [["content": [:]]]])
        Self.expectError("M_BAD_JSON", ["initial_state": [["type": "m.room.name"]]])
        Self.expectError("M_BAD_JSON", ["initial_state": [["type": "m.room.name", "content": "x"]]])
        Self.expectError("M_BAD_JSON", ["initial_state": [["type": "m.room.name", "state_key": 1, "content": [:]]]])
        Self.expectError("M_BAD_JSON", ["initial_state": ["type": "m.room.name"]])
        Self.expectError("M_INVALID_ROOM_STATE", ["initial_state": [["type": "m.room.create", "content": [:]]]])
    }

    @Test func nullsAreAbsent() throws {
        let plan = try Self.plan([
            "name": nil, "topic": nil, "preset": nil, "visibility": nil, "invite": nil, "initial_state": nil,
            "creation_content": nil, "power_level_content_override": nil, "is_direct": nil, "room_alias_name": nil,
            "room_version": nil,
        ])
        #expect(plan == (try Self.plan([:])))
    }

    /// Every event of the plan, then the invites, passes the auth rules in order, in every version
    /// and preset (the creator is `Users.alice` of the auth tests).
    @Test(arguments: RoomCreationPreset.allCases)
    func planPassesTheAuthRules(_ preset: RoomCreationPreset) throws {
        for version in RoomVersion.all {
            let plan = try RoomCreationPlan(
                body: [
                    "preset": .string(preset.rawValue), "invite": [.string(Users.bob), .string(Users.carol)],
                    "name": "Room", "topic": "Topic", "room_alias_name": "room", "is_direct": true,
                    "initial_state": [["type": "m.room.avatar", "content": ["url": "mxc://a.example/x"]]],
                    "power_level_content_override": ["events_default": 10],
                ],
                creator: Users.alice, serverName: "a.example", defaultRoomVersion: version,
                encryptionContent: ["algorithm": "m.megolm.v1.aes-sha2"])
            var room = TestRoom(version: version, creator: Users.alice, createContent: plan.createContent)
            #expect(room.create.content == plan.createContent)
            for (index, draft) in (plan.events + plan.inviteEvents).enumerated().dropFirst() {
                // The creator's join is allowed as the event right after the create event.
                let prevEvents = index == 1 ? [room.create.eventId] : nil
                let decision = room.send(
                    room.event(
                        draft.type, sender: Users.alice, stateKey: draft.stateKey, content: draft.content,
                        prevEvents: prevEvents))
                #expect(decision == .allow, "v\(version) \(preset) \(draft.type) \(draft.stateKey): \(decision)")
            }
        }
    }
}
