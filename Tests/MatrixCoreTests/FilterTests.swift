import MatrixCore
import Testing

@Suite struct FilterParsingTests {
    static let fullFilter: JSONObject = [
        "event_fields": ["type", "content.body"],
        "event_format": "federation",
        "presence": ["limit": 5, "not_senders": ["@spam:example.org"]],
        "account_data": ["types": ["m.push_rules"]],
        "room": [
            "rooms": ["!a:example.org"],
            "not_rooms": ["!b:example.org"],
            "include_leave": true,
            "ephemeral": ["types": ["m.typing"]],
            "state": ["lazy_load_members": true, "include_redundant_members": true],
            "timeline": [
                "limit": 20, "types": ["m.room.*"], "not_types": ["m.room.member"], "contains_url": false,
                "unread_thread_notifications": true, "related_by_rel_types": ["m.thread"],
                "related_by_senders": ["@a:example.org"],
            ],
            "account_data": ["not_types": ["*"]],
        ],
    ]

    @Test func readsEveryMember() throws {
        let filter = try Filter(json: Self.fullFilter)
        #expect(filter.eventFields == ["type", "content.body"])
        #expect(filter.eventFormat == .federation)
        #expect(filter.presence.limit == 5)
        #expect(filter.presence.notSenders == ["@spam:example.org"])
        #expect(filter.accountData.types == ["m.push_rules"])
        #expect(filter.room.rooms == ["!a:example.org"])
        #expect(filter.room.notRooms == ["!b:example.org"])
        #expect(filter.room.includeLeave)
        #expect(filter.room.ephemeral.types == ["m.typing"])
        #expect(filter.room.state.lazyLoadMembers)
        #expect(filter.room.state.includeRedundantMembers)
        let timeline = filter.room.timeline
        #expect(timeline.limit == 20)
        #expect(timeline.containsURL == false)
        #expect(timeline.unreadThreadNotifications)
        #expect(timeline.relatedByRelTypes == ["m.thread"])
        #expect(timeline.relatedBySenders == ["@a:example.org"])
        #expect(filter.room.accountData.excludesEverything)
    }

    @Test func defaults() throws {
        let filter = try Filter(json: [:])
        #expect(filter == Filter())
        #expect(filter.eventFormat == .client)
        #expect(filter.eventFields == nil)
        #expect(filter.room.timeline.limit == nil)
        #expect(!filter.room.includeLeave)
        #expect(!filter.room.state.lazyLoadMembers)
        #expect(filter.json.isEmpty)
    }

    @Test func roundTripsThroughJSON() throws {
        let filter = try Filter(json: Self.fullFilter)
        #expect(try Filter(json: filter.json) == filter)
        #expect(filter.json == Self.fullFilter)
    }

    @Test func unknownMembersAndNullsAreIgnored() throws {
        let filter = try Filter(json: [
            "org.example.future": true, "room": ["timeline": ["limit": nil, "org.example.x": 1]], "presence": nil,
        ])
        #expect(filter == Filter())
    }

    @Test func unstableUnreadThreadNotificationsName() throws {
        let filter = try RoomEventFilter(json: ["org.matrix.msc3773.unread_thread_notifications": true])
        #expect(filter.unreadThreadNotifications)
    }

    @Test(arguments: [
        (["event_format": "raw"], "event_format"),
        (["event_format": 1], "event_format"),
        (["event_fields": "type"], "event_fields"),
        (["event_fields": [1]], "event_fields"),
        (["presence": []], "presence"),
        (["presence": ["senders": ["not-a-user"]]], "presence.senders"),
        (["account_data": ["types": "m.x"]], "account_data.types"),
        (["room": "all"], "room"),
        (["room": ["include_leave": "yes"]], "room.include_leave"),
        (["room": ["rooms": ["#alias:example.org"]]], "room.rooms"),
        (["room": ["timeline": ["limit": "10"]]], "room.timeline.limit"),
        (["room": ["timeline": ["limit": .double(2.5)]]], "room.timeline.limit"),
        (["room": ["timeline": ["limit": -1]]], "room.timeline.limit"),
        (["room": ["state": ["lazy_load_members": 1]]], "room.state.lazy_load_members"),
        (["room": ["timeline": ["not_rooms": [3]]]], "room.timeline.not_rooms"),
        (["room": ["ephemeral": ["contains_url": "true"]]], "room.ephemeral.contains_url"),
        (["room": ["account_data": ["not_senders": ["@"]]]], "room.account_data.not_senders"),
    ] as [(JSONObject, String)])
    func badMembersAreBadJSONNamingTheMember(_ json: JSONObject, _ member: String) {
        do {
            _ = try Filter(json: json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.errcode == "M_BAD_JSON")
            #expect(error.status == 400)
            #expect(error.message.hasPrefix(member), "\(error.message)")
        }
    }

    @Test func limits() throws {
        #expect(try RoomEventFilter(json: ["limit": 1]).limit == 1)
        #expect(try RoomEventFilter(json: ["limit": 0]).limit == 0)
        #expect(try RoomEventFilter(json: ["limit": .double(30)]).limit == 30)
        #expect(throws: MatrixError.self) { try RoomEventFilter(json: ["limit": true]) }
    }

    @Test func validRoomIDsOfEitherShape() throws {
        let hashRoom = "!" + String(repeating: "A", count: 43)
        let filter = try RoomEventFilter(json: ["rooms": [.string(hashRoom), "!old:example.org"]])
        #expect(filter.rooms?.count == 2)
    }

    @Test func jsonText() throws {
        let filter = try Filter(jsonText: #"{"room":{"timeline":{"limit":3}}}"#)
        #expect(filter.room.timeline.limit == 3)
        let events = try RoomEventFilter(jsonText: #"{"types":["m.room.message"],"lazy_load_members":true}"#)
        #expect(events.lazyLoadMembers)
        #expect(events.types == ["m.room.message"])
        #expect(throws: MatrixError.self) { try Filter(jsonText: "{nope") }
        do {
            _ = try Filter(jsonText: "{nope")
        } catch {
            #expect(error.errcode == "M_NOT_JSON")
        }
        do {
            _ = try RoomEventFilter(jsonText: "[1]")
        } catch {
            #expect(error.errcode == "M_BAD_JSON")
        }
        do {
            _ = try Filter(jsonText: #"{"a":1,"a":2}"#)
        } catch {
            #expect(error.errcode == "M_NOT_JSON")
        }
    }
}

@Suite struct FilterMatchingTests {
    @Test func nilListsKeepEverythingEmptyListsNothing() {
        let all = RoomEventFilter()
        #expect(all.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: false))
        #expect(!all.excludesEverything)
        let none = RoomEventFilter(types: [])
        #expect(!none.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: false))
        #expect(none.excludesEverything)
        #expect(!RoomEventFilter(senders: []).matches(type: "t", sender: "@a:x", roomId: nil, containsURL: false))
        #expect(!RoomEventFilter(rooms: []).matches(type: "t", sender: "@a:x", roomId: "!r:x", containsURL: false))
        #expect(RoomEventFilter(notTypes: []).matches(type: "t", sender: "@a:x", roomId: "!r:x", containsURL: false))
    }

    @Test func exclusionWins() {
        let filter = RoomEventFilter(
            types: ["m.room.message"], notTypes: ["m.room.message"], senders: ["@a:x"], notSenders: ["@a:x"])
        #expect(!filter.matches(type: "m.room.message", sender: "@b:x", roomId: nil, containsURL: false))
        let senders = EventFilter(senders: ["@a:x", "@b:x"], notSenders: ["@b:x"])
        #expect(senders.matches(type: "m.presence", sender: "@a:x"))
        #expect(!senders.matches(type: "m.presence", sender: "@b:x"))
        #expect(!senders.matches(type: "m.presence", sender: "@c:x"))
        let rooms = RoomEventFilter(rooms: ["!a:x", "!b:x"], notRooms: ["!b:x"])
        #expect(rooms.includesRoom("!a:x"))
        #expect(!rooms.includesRoom("!b:x"))
        #expect(!rooms.includesRoom("!c:x"))
    }

    @Test func typeWildcards() {
        let filter = EventFilter(types: ["m.room.*", "*.call.*", "org.example.exact"])
        #expect(filter.matches(type: "m.room.message", sender: nil))
        #expect(filter.matches(type: "m.room.", sender: nil))
        #expect(filter.matches(type: "m.call.invite", sender: nil))
        #expect(filter.matches(type: "org.matrix.call.answer", sender: nil))
        #expect(filter.matches(type: "org.example.exact", sender: nil))
        #expect(!filter.matches(type: "org.example.exactly", sender: nil))
        #expect(!filter.matches(type: "m.roo", sender: nil))
        #expect(!filter.matches(type: "M.ROOM.message", sender: nil), "types are case-sensitive")
        // `?` is no wildcard in filters.
        let question = EventFilter(types: ["m.?"])
        #expect(question.matches(type: "m.?", sender: nil))
        #expect(!question.matches(type: "m.x", sender: nil))
        let star = RoomEventFilter(notTypes: ["*"])
        #expect(star.excludesEverything)
        #expect(!star.matches(type: "", sender: nil, roomId: nil, containsURL: false))
    }

    @Test func missingSenderOrRoom() {
        #expect(EventFilter(notSenders: ["@a:x"]).matches(type: "t", sender: nil))
        #expect(!EventFilter(senders: ["@a:x"]).matches(type: "t", sender: nil))
        #expect(RoomEventFilter(notRooms: ["!r:x"]).matches(type: "t", sender: nil, roomId: nil, containsURL: false))
        #expect(!RoomEventFilter(rooms: ["!r:x"]).matches(type: "t", sender: nil, roomId: nil, containsURL: false))
    }

    @Test func containsURL() {
        let withURL = RoomEventFilter(containsURL: true)
        let withoutURL = RoomEventFilter(containsURL: false)
        #expect(withURL.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: true))
        #expect(!withURL.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: false))
        #expect(withoutURL.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: false))
        #expect(!withoutURL.matches(type: "m.room.message", sender: "@a:x", roomId: "!r:x", containsURL: true))
        #expect(RoomEventFilter.contentHasURL(["url": "mxc://x/y"]))
        #expect(!RoomEventFilter.contentHasURL(["url": 5]))
        #expect(!RoomEventFilter.contentHasURL(["body": "mxc://x/y"]))
    }

    @Test func roomFilterRooms() throws {
        let room = try RoomFilter(json: ["not_rooms": ["!b:x"]])
        #expect(room.includesRoom("!a:x"))
        #expect(!room.includesRoom("!b:x"))
    }
}

@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("*", "", true), ("*", "anything", true), ("a*", "a", true), ("a*b", "ab", true), ("a*b", "axxb", true),
        ("a*b", "axxbc", false), ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ("a?c", "abc", true), ("a?c", "ac", false), ("??", "é☕", true), ("", "", true), ("", "a", false),
        ("*.example.org", "matrix.example.org", true), ("*.example.org", "example.org", false),
    ] as [(String, String, Bool)])
    func matching(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected)
    }

    @Test func caseInsensitive() {
        #expect(GlobPattern("*.EXAMPLE.org", caseInsensitive: true).matches("Matrix.example.ORG"))
        #expect(!GlobPattern("*.EXAMPLE.org").matches("matrix.example.org"))
        #expect(GlobPattern("a?").isLiteral == false)
        #expect(GlobPattern("a?", questionMarkIsWildcard: false).isLiteral)
    }
}
