import Foundation
import GRDB
import Logging
@testable import MyelinStorage
import Testing

/// Skip-delta snapshots against an in-memory model: random changes, removals and forks, every
/// snapshot read back whole and by key, and the stored entries stay O(delta · log n).
@Suite struct StateSnapshotTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test func randomHistoriesReadBackExactly() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-snap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "t")
        logger.logLevel = .warning
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        let (entries, snapshots) = try await database.write { db -> (Int, Int) in
            try db.execute(sql: "INSERT INTO rooms (room_id, room_version, created_ts) VALUES ('!r:t', '12', 0)")
            var random = Generator(state: 42)
            let root = try StateSnapshots.createRoot(db, roomNid: 1)
            var models: [Int64: [Int64: Int64]] = [root: [:]]
            var order = [root]
            var nextEvent: Int64 = 1
            for step in 0..<600 {
                // Mostly extend the newest snapshot (a room's history), sometimes fork from an older one.
                let from = step % 17 == 0 ? order[Int.random(in: 0..<order.count, using: &random)] : order[order.count - 1]
                var changes: [Int64: Int64?] = [:]
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let key = Int64.random(in: 1...80, using: &random)
                    if Int.random(in: 0..<10, using: &random) == 0 {
                        changes[key] = .some(nil)
                    } else {
                        changes[key] = .some(nextEvent)
                        nextEvent += 1
                    }
                }
                let snapshot = try StateSnapshots.derive(db, roomNid: 1, from: from, changes: changes)
                var model = models[from] ?? [:]
                for (key, event) in changes { model[key] = event }
                models[snapshot] = model
                order.append(snapshot)
            }
            for (snapshot, model) in models {
                #expect(try StateSnapshots.load(db, snapshot) == model)
                let keys: [Int64] = [1, 7, 40, 80]
                #expect(try StateSnapshots.lookup(db, snapshot, keys: keys) == model.filter { keys.contains($0.key) })
            }
            return (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_snapshot_entries") ?? 0, models.count)
        }
        // 600 snapshots of up to 80 keys stored as full copies would be ~40,000 entries.
        #expect(entries < 12_000, "stored \(entries) entries for \(snapshots) snapshots")
        try await database.close()
    }
}
