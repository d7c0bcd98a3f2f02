import Foundation
import GRDB
import Logging
import MyelinStorage
import Testing

/// `ToDeviceStore` without HTTP: the per-device inbox caps and the bounded memory of transaction IDs.
@Suite struct ToDeviceStoreTests {
    struct Fixture {
        let database: MyelinDatabase
        let dir: String
        let sender: Int64
        let receiver: Int64
    }

    func fixture() async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-todevice-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "to-device-store-test")
        logger.logLevel = .warning
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        let users = AccountStore(database: database)
        let sender = try #require(try await users.create(localpart: "s", passwordHash: nil, isAdmin: false,
                                                         isGuest: false, now: 1))
        let receiver = try #require(try await users.create(localpart: "r", passwordHash: nil, isAdmin: false,
                                                           isGuest: false, now: 1))
        try await database.write { db in
            for (user, device) in [(sender.nid, "S"), (receiver.nid, "A"), (receiver.nid, "B")] {
                try db.execute(sql: "INSERT INTO devices (user_nid, device_id, created_ts) VALUES (?, ?, 1)",
                               arguments: [user, device])
            }
        }
        return Fixture(database: database, dir: dir, sender: sender.nid, receiver: receiver.nid)
    }

    func send(_ store: ToDeviceStore, _ fixture: Fixture, txnId: String, deviceId: String? = "A", bytes: Int = 10)
        async throws -> ToDeviceStore.SendResult
    {
        try await store.send(
            senderNid: fixture.sender, senderDeviceId: "S", sender: "@s:x", txnId: txnId, type: "m.test",
            messages: [.init(userNid: fixture.receiver, deviceId: deviceId,
                             content: Array("{\"p\":\"\(String(repeating: "x", count: bytes))\"}".utf8))])
    }

    @Test func onlyTheLatestTransactionIdsAreRemembered() async throws {
        let fixture = try await fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let store = ToDeviceStore(database: fixture.database, rememberedTransactions: 3)
        for txn in ["t1", "t2", "t3", "t4"] { #expect(try await send(store, fixture, txnId: txn).isNew) }
        // The three latest are still deduplicated; the oldest is forgotten.
        for txn in ["t2", "t3", "t4"] { #expect(try await send(store, fixture, txnId: txn).isNew == false) }
        let rows = try await fixture.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM to_device_txns") ?? 0
        }
        #expect(rows == 3)
        #expect(try await send(store, fixture, txnId: "t1").isNew)
    }

    @Test func aFullDeviceIsSkippedAndReported() async throws {
        let fixture = try await fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let store = ToDeviceStore(database: fixture.database,
                                  quota: .init(maxMessageBytes: 100, maxPendingPerDevice: 2, maxPendingBytesPerDevice: nil))
        #expect(try await send(store, fixture, txnId: "1").queued == 1)
        #expect(try await send(store, fixture, txnId: "2").queued == 1)
        let third = try await send(store, fixture, txnId: "3", deviceId: nil)
        #expect(third.queued == 1)
        #expect(third.skippedFull == [.init(userNid: fixture.receiver, deviceId: "A")])
        await #expect(throws: QuotaExceeded.self) { try await send(store, fixture, txnId: "4", deviceId: "B", bytes: 200) }
    }
}
