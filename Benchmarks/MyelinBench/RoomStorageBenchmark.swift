import Foundation
import GRDB
import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// A room with `members` members and `messages` messages built through the real pipeline (every event
/// built, signed, authorised and persisted one at a time), then the database measured: bytes per event
/// and per state entry from SQLite's dbstat, and the pipeline's events/s.
enum RoomStorageBenchmark {
    static func run(members: Int, messages: Int, version: RoomVersion) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let database = try await MyelinDatabase.open(path: directory + "/bench.sqlite", logger: logger)
        let store = RoomEventStore(database: database)
        let server = try ServerName(parsing: "bench.example")
        let key = try SigningKey(version: "b", seed: [UInt8](repeating: 7, count: 32))
        let pipeline = RoomPipeline(store: store, serverName: server, signingKey: key,
                                    keys: StaticServerKeys(["bench.example": [VerifyKey(key)]]),
                                    cacheBytes: 32 << 20, nowMs: { Int64(Date().timeIntervalSince1970 * 1000) },
                                    logger: logger)
        let creator = "@creator:bench.example"
        var createContent: JSONObject = ["room_version": .string(version.identifier)]
        if !version.implicitRoomCreator { createContent["creator"] = .string(creator) }
        let roomId = try await pipeline.createRoom(version: version, creator: creator, content: createContent)
        try await pipeline.send(roomId: roomId, LocalEvent(type: "m.room.member", stateKey: creator, sender: creator,
                                                           content: ["membership": "join"]))
        try await pipeline.send(roomId: roomId, LocalEvent(type: "m.room.join_rules", stateKey: "", sender: creator,
                                                           content: ["join_rule": "public"]))
        let joinStart = ContinuousClock.now
        for i in 0..<members {
            let user = "@user\(i):bench.example"
            try await pipeline.send(roomId: roomId, LocalEvent(type: "m.room.member", stateKey: user, sender: user,
                                                               content: ["membership": "join", "displayname": .string("User \(i)")]))
        }
        let joinTime = ContinuousClock.now - joinStart
        let messageStart = ContinuousClock.now
        for i in 0..<messages {
            let user = "@user\(i % max(1, members)):bench.example"
            try await pipeline.send(roomId: roomId, LocalEvent(type: "m.room.message", sender: user,
                                                               content: ["msgtype": "m.text", "body": .string("Message number \(i) in the benchmark room")]))
        }
        let messageTime = ContinuousClock.now - messageStart
        try await database.close()

        let queue = try DatabaseQueue(path: directory + "/bench.sqlite")
        let report = try await queue.read { db -> String in
            func bytes(_ names: [String]) throws -> Int {
                let list = names.map { "'\($0)'" }.joined(separator: ",")
                return try Int.fetchOne(db, sql: "SELECT SUM(pgsize) FROM dbstat WHERE name IN (\(list))") ?? 0
            }
            let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            let entries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_snapshot_entries") ?? 0
            let snapshots = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_snapshots") ?? 0
            let stateEvents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE state_key_nid IS NOT NULL") ?? 0
            let json = try Int.fetchOne(db, sql: "SELECT SUM(LENGTH(json)) FROM events") ?? 0
            let eventTables = try bytes(["events", "event_ids", "sqlite_autoindex_event_ids_1", "events_timeline",
                                         "events_topological", "events_by_ts", "events_relations", "events_redacts",
                                         "events_prunable", "sqlite_autoindex_events_1", "event_edges",
                                         "event_edges_by_prev", "event_auth_edges"])
            let stateTables = try bytes(["state_snapshot_entries", "state_snapshots"])
            let file = (try FileManager.default.attributesOfItem(atPath: directory + "/bench.sqlite")[.size] as? Int) ?? 0
            let kib = { (n: Int) in String(format: "%.1f", Double(n) / 1024) }
            return """
                room version \(version): \(members) members, \(messages) messages, \(events) events (\(stateEvents) state)
                database file: \(kib(file)) KiB = \(file / max(1, events)) bytes per event overall
                event rows + indexes + edges: \(kib(eventTables)) KiB = \(eventTables / max(1, events)) bytes per event \
                (JSON itself \(json / max(1, events)) bytes per event)
                state: \(snapshots) snapshots, \(entries) entries, \(kib(stateTables)) KiB = \
                \(stateTables / max(1, entries)) bytes per entry, \(String(format: "%.1f", Double(entries) / Double(max(1, stateEvents)))) entries per state event
                """
        }
        func perSecond(_ count: Int, _ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return String(format: "%.0f events/s", Double(count) / max(seconds, 1e-9))
        }
        print(report)
        print("pipeline: joins \(perSecond(members, joinTime)), messages \(perSecond(messages, messageTime)); "
            + "peak RSS \(peakRSSKiB() / 1024) MiB")
    }
}
