import Foundation
import GRDB
import Logging
import MatrixCore
import MyelinAccounts
@testable import MyelinStorage
import Testing

@Suite struct StorageTests {
    let logger: Logger = {
        var logger = Logger(label: "storage-test")
        logger.logLevel = .warning
        return logger
    }()

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-storage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func freshDatabaseIsWALWithEveryMigration() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        #expect(try await database.appliedMigrations() == MyelinDatabase.migrationIdentifiers)
        let (mode, sync, foreignKeys) = try await database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(sync == 1)  // NORMAL
        #expect(foreignKeys == 1)
        #expect(try await database.integrityCheck() == "ok")
        // A new database needs no backup.
        #expect(MyelinDatabase.backups(forDatabaseAt: dir + "/db.sqlite").isEmpty)
        try await database.close()
    }

    /// A database made by each earlier schema, holding an account, upgrades with the account intact.
    @Test(arguments: Array(MyelinDatabase.migrationIdentifiers.dropLast()))
    func upgradesFromEveryEarlierSchema(from identifier: String) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db.sqlite"
        try MyelinDatabase.openAtHistoricalSchema(path: path, upTo: identifier)
        let hasher = PasswordHasher(parameters: .minimal)
        let passwordHash = try await hasher.hash("old password")
        let token = SecretToken.mint(.access)
        // Write the rows exactly as the schema of that version has them.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO users (localpart, password_hash, is_admin, is_guest, deactivated, created_ts)
                VALUES ('olduser', ?, 1, 0, 0, 1);
                INSERT INTO devices (user_nid, device_id, display_name, created_ts) VALUES (1, 'OLDDEV', 'Old', 1);
                INSERT INTO access_tokens (token_hash, user_nid, device_id, created_ts) VALUES (?, 1, 'OLDDEV', 1);
                """, arguments: [passwordHash, Data(token.hash)])
        }
        try queue.close()

        let database = try await MyelinDatabase.open(path: path, options: .init(backupsToKeep: 3), logger: logger)
        #expect(try await database.appliedMigrations() == MyelinDatabase.migrationIdentifiers)
        let user = try #require(try await AccountStore(database: database).user(localpart: "olduser"))
        #expect(user.isAdmin)
        let owner = try #require(try await DeviceStore(database: database).owner(ofAccessTokenHash: token.hash))
        #expect(owner.deviceId == "OLDDEV")
        #expect(owner.expiresTs == nil)
        #expect(try await hasher.verify("old password", against: user.passwordHash ?? "").ok)
        #expect(try await database.integrityCheck() == "ok")
        let backups = MyelinDatabase.backups(forDatabaseAt: path)
        #expect(backups.count == 1)
        // The backup is the database as it was before the upgrade.
        let backup = try DatabaseQueue(path: try #require(backups.first))
        let migrations = try await backup.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations.last == identifier)
        try backup.close()
        try await database.close()
    }

    @Test func databaseFromANewerMyelinIsRefusedUntouched() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db.sqlite"
        let database = try await MyelinDatabase.open(path: path, logger: logger)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99_from_the_future')")
        }
        try await database.close()
        do {
            _ = try await MyelinDatabase.open(path: path, logger: logger)
            Issue.record("a newer schema was accepted")
        } catch let error as StorageError {
            guard case .schemaNewerThanBinary(_, let unknown) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(unknown == ["v99_from_the_future"])
            #expect(error.description.contains("newer Myelin"))
        }
        #expect(MyelinDatabase.backups(forDatabaseAt: path).isEmpty)
    }

    @Test func onlyTheNewestBackupsAreKept() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db.sqlite"
        let pool = try DatabasePool(path: path)
        for version in 1...5 {
            _ = try await Backups.take(of: pool, databasePath: path, fromVersion: version, keep: 2)
            try await Task.sleep(for: .milliseconds(3))
        }
        try pool.close()
        let kept = MyelinDatabase.backups(forDatabaseAt: path)
        #expect(kept.count == 2)
        #expect(kept.last?.contains("schema5") == true)
        #expect(kept.first?.contains("schema4") == true)
    }

    @Test func concurrentWritesAreBatchedAndEachIsolated() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        let users = AccountStore(database: database)
        let owner = try #require(try await users.create(localpart: "w", passwordHash: nil, isAdmin: false, isGuest: false,
                                                      now: 1))
        let store = AccountDataStore(database: database)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<300 {
                group.addTask {
                    try await store.put(userNid: owner.nid, roomId: nil, type: "t\(i)", content: Array("{\"i\":\(i)}".utf8))
                }
            }
            // A write that fails (constraint) inside the same batches must not take the others down.
            group.addTask {
                do {
                    try await database.write { db in
                        try db.execute(sql: "INSERT INTO users (localpart, created_ts) VALUES ('w', 1)")
                    }
                    Issue.record("duplicate localpart accepted")
                } catch {}
            }
            try await group.waitForAll()
        }
        let all = try await store.all(userNid: owner.nid)
        #expect(all.count == 300)
        let positions = try await database.read { db in
            try Int64.fetchAll(db, sql: "SELECT stream_pos FROM account_data ORDER BY stream_pos")
        }
        #expect(Set(positions).count == 300)
        #expect(try await database.integrityCheck() == "ok")
        try await database.close()
    }
}
