import Foundation
import MatrixCore

/// State resolution v2 over a conflicted fork of a room with `members` joined users: time and peak
/// memory. The room: create, the creator's join, power levels, a public join rule, then every member
/// joins. It forks: on one side the creator makes @mod a moderator, who kicks 50 members; on the other
/// the creator bans @mod and 50 members change their display names. Both tips' full states (members + 4
/// entries each) are resolved.
enum StateResolutionBenchmark {
    struct Lookup: StateResolutionLookup {
        let events: [String: PDU]
        func event(_ id: String) async throws -> PDU? { events[id] }
    }

    static func run(members: Int, roomVersion: RoomVersion) async throws {
        let hwmBefore = peakRSSKiB()
        let buildStart = ContinuousClock.now
        var events: [String: PDU] = [:]
        var state: [StateTuple: String] = [:]
        var depth: Int64 = 0
        var last = ""
        let room = "!bench:example.org"
        let admin = "@admin:example.org"

        func add(_ id: String, _ type: String, _ stateKey: String?, _ sender: String, _ content: JSONObject,
                 auth: [String]) {
            depth += 1
            var json: JSONObject = [
                "type": .string(type), "room_id": .string(room), "sender": .string(sender), "content": .object(content),
                "origin_server_ts": .int(1_700_000_000_000 + depth), "depth": .int(depth),
                "prev_events": last.isEmpty ? [] : [.string(last)], "auth_events": .array(auth.map(JSONValue.string)),
            ]
            if let stateKey { json["state_key"] = .string(stateKey) }
            let pdu = PDU(eventId: id, roomVersion: roomVersion, json: json)
            events[id] = pdu
            if let tuple = pdu.stateTuple { state[tuple] = id }
            last = id
        }
        func member(_ user: String) -> StateTuple { StateTuple(type: "m.room.member", stateKey: user) }

        add("$create", "m.room.create", "", admin, ["creator": .string(admin), "room_version": .string(roomVersion.identifier)], auth: [])
        add("$admin-join", "m.room.member", admin, admin, ["membership": "join"], auth: ["$create"])
        add("$pl1", "m.room.power_levels", "", admin, ["users": [admin: 100]], auth: ["$create", "$admin-join"])
        add("$jr", "m.room.join_rules", "", admin, ["join_rule": "public"], auth: ["$create", "$admin-join", "$pl1"])
        for index in 0..<members {
            let user = "@user\(index):example.org"
            add("$join\(index)", "m.room.member", user, user, ["membership": "join"], auth: ["$create", "$pl1", "$jr"])
        }
        add("$mod-join", "m.room.member", "@mod:example.org", "@mod:example.org", ["membership": "join"],
            auth: ["$create", "$pl1", "$jr"])
        let fork = (last, state, depth)

        // Side A: @mod becomes moderator and kicks 50 members.
        add("$pl2", "m.room.power_levels", "", admin, ["users": [admin: 100, "@mod:example.org": 50]],
            auth: ["$create", "$admin-join", "$pl1"])
        for index in 0..<50 {
            let user = "@user\(index):example.org"
            add("$kick\(index)", "m.room.member", user, "@mod:example.org", ["membership": "leave"],
                auth: ["$create", "$pl2", "$mod-join", state[member(user)] ?? ""])
        }
        let sideA = state

        // Side B: @mod is banned; 50 other members change their display names.
        (last, state, depth) = fork
        add("$ban-mod", "m.room.member", "@mod:example.org", admin, ["membership": "ban"],
            auth: ["$create", "$pl1", "$admin-join", "$mod-join"])
        for index in 50..<100 {
            let user = "@user\(index):example.org"
            add("$name\(index)", "m.room.member", user, user, ["membership": "join", "displayname": .string("User \(index)")],
                auth: ["$create", "$pl1", "$jr", "$join\(index)"])
        }
        let sideB = state
        let buildTime = ContinuousClock.now - buildStart

        let lookup = Lookup(events: events)
        let hwmBuilt = peakRSSKiB()
        let start = ContinuousClock.now
        let resolved = try await StateResolution.resolve(roomVersion: roomVersion, stateSets: [sideA, sideB], lookup: lookup)
        let elapsed = ContinuousClock.now - start
        let hwmAfter = peakRSSKiB()
        print("state resolution \(roomVersion.stateResolution) (room version \(roomVersion)), \(members) members, "
            + "\(events.count) events, \(sideA.count) / \(sideB.count) state entries")
        print("  build \(buildTime), resolve \(elapsed); resolved \(resolved.count) entries; "
            + "@mod is \(resolved[member("@mod:example.org")].flatMap { events[$0]?.membership } ?? "?"), "
            + "@user0 is \(resolved[member("@user0:example.org")].flatMap { events[$0]?.membership } ?? "?")")
        print("  peak RSS: \(hwmBefore) KiB at start, \(hwmBuilt) KiB with the room in memory, "
            + "\(hwmAfter) KiB after resolving (+\(hwmAfter - hwmBuilt) KiB for the resolution)")
    }
}

func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
