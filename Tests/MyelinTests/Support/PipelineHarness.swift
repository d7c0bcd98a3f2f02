import Foundation
import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// A room pipeline over a temporary database, with fake remote servers ("remote.test", and
/// "other.test" for a second one) whose keys sign hand-built PDUs, as federation will deliver them.
struct PipelineHarness {
    let directory: String
    let database: MyelinDatabase
    let store: RoomEventStore
    let pipeline: RoomPipeline
    let version: RoomVersion
    let remote = try! ServerName(parsing: "remote.test")
    let remoteKey: SigningKey
    let other = try! ServerName(parsing: "other.test")
    let otherKey: SigningKey
    private let counter = Counter()

    static func open(version: RoomVersion) async throws -> PipelineHarness {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("myelin-pipeline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "pipeline-test")
        logger.logLevel = .warning
        let database = try await MyelinDatabase.open(path: directory + "/db.sqlite", logger: logger)
        let store = RoomEventStore(database: database)
        let localKey = try SigningKey(version: "l", seed: [UInt8](repeating: 1, count: 32))
        let remoteKey = try SigningKey(version: "r1", seed: [UInt8](repeating: 2, count: 32))
        let otherKey = try SigningKey(version: "o1", seed: [UInt8](repeating: 3, count: 32))
        let local = try ServerName(parsing: "local.test")
        let keys = StaticServerKeys(["local.test": [VerifyKey(localKey)], "remote.test": [VerifyKey(remoteKey)],
                                     "other.test": [VerifyKey(otherKey)]])
        let pipeline = RoomPipeline(store: store, serverName: local, signingKey: localKey, keys: keys,
                                    cacheBytes: 1 << 20, nowMs: { 1_800_000_000_000 }, logger: logger)
        return PipelineHarness(directory: directory, database: database, store: store, pipeline: pipeline,
                               version: version, remoteKey: remoteKey, otherKey: otherKey)
    }

    func close() async throws {
        try await database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A signed event from remote.test (or `server`: `other`). `prev` and `auth` are events the new one cites.
    func event(_ type: String, stateKey: String? = nil, sender: String, content: JSONObject, roomId: String?,
               prev: [PDU], auth: [PDU], ts: Int64 = 1_800_000_000_000, key: SigningKey? = nil,
               server: ServerName? = nil) throws -> PDU {
        let origin = server ?? remote
        var draft: JSONObject = [
            "type": .string(type), "sender": .string(sender), "content": .object(content),
            "origin_server_ts": .int(ts), "depth": .int((prev.map(\.depth).max() ?? 0) + 1),
        ]
        if let roomId { draft["room_id"] = .string(roomId) }
        if let stateKey { draft["state_key"] = .string(stateKey) }
        func reference(_ pdu: PDU) -> JSONValue {
            version.eventIDIsHash ? .string(pdu.eventId) : .array([.string(pdu.eventId), pdu.json["hashes"] ?? [:]])
        }
        draft["prev_events"] = .array(prev.map(reference))
        draft["auth_events"] = .array(auth.map(reference))
        if !version.eventIDIsHash { draft["event_id"] = .string("$e\(counter.next()):\(origin)") }
        return try EventBuilder.build(draft, roomVersion: version, server: origin,
                                      key: key ?? (origin == other ? otherKey : remoteKey))
    }

    func receive(_ pdu: PDU) async throws -> ReceiveOutcome { try await pipeline.receive(pdu.json) }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}
