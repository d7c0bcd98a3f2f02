import FoundationEssentials
import GRDB
import Logging

/// The database: a WAL pool for concurrent reads and one batching writer for all writes. Opening it
/// applies pending schema migrations, after an online backup of the file.
public final class MyelinDatabase: Sendable {
    let pool: DatabasePool
    private let writer: WriteBatcher
    public let path: String

    /// The schema version this binary writes (the number of migrations it knows).
    public static var schemaVersion: Int { Migrations.identifiers.count }

    /// Opens (creating if needed) and upgrades the database at `path`.
    public static func open(path: String, options: DatabaseOptions = .init(), logger: Logger) async throws
        -> MyelinDatabase
    {
        let pool = try makePool(path: path, options: options)
        let migrator = Migrations.makeMigrator()
        let (applied, superseded) = try await pool.read { db in
            (try migrator.appliedIdentifiers(db), try migrator.hasBeenSuperseded(db))
        }
        if superseded {
            let unknown = applied.filter { !Migrations.identifiers.contains($0) }.sorted()
            try pool.close()
            throw StorageError.schemaNewerThanBinary(path: path, unknownMigrations: unknown)
        }
        let pending = Migrations.identifiers.filter { !applied.contains($0) }
        if !pending.isEmpty {
            if !applied.isEmpty {
                let backup = try await Backups.take(of: pool, databasePath: path, fromVersion: applied.count,
                                                    keep: options.backupsToKeep)
                logger.notice("database backed up before schema upgrade", metadata: ["backup": "\(backup)"])
            }
            for identifier in pending {
                try migrator.migrate(pool, upTo: identifier)
                logger.notice("applied schema migration", metadata: ["migration": "\(identifier)"])
            }
        }
        return MyelinDatabase(pool: pool, path: path)
    }

    /// Opens a database and applies migrations only up to `identifier`: used by the upgrade tests to make
    /// a database exactly as an older Myelin left it.
    public static func openAtHistoricalSchema(path: String, upTo identifier: String) throws {
        let pool = try makePool(path: path, options: .init())
        try Migrations.makeMigrator().migrate(pool, upTo: identifier)
        try pool.close()
    }

    public static var migrationIdentifiers: [String] { Migrations.identifiers }

    private static func makePool(path: String, options: DatabaseOptions) throws -> DatabasePool {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(Double(options.busyTimeoutMs) / 1000)
        config.maximumReaderCount = max(1, options.readers)
        let cacheKiB = options.cacheKiB
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
        }
        do {
            return try DatabasePool(path: path, configuration: config)
        } catch {
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.writer = WriteBatcher(pool: pool)
        self.path = path
    }

    /// Reads on one of the pool's reader connections (never blocks the writer).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// Writes through the single batching writer; returns once the write is committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    /// Lets queued writes commit, checkpoints the WAL and closes the connections.
    public func close() async throws {
        await writer.flush()
        _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try pool.close()
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    /// The migrations recorded in the file, in order.
    public func appliedMigrations() async throws -> [String] {
        let migrator = Migrations.makeMigrator()
        return try await pool.read { db in try migrator.appliedMigrations(db) }
    }
}
