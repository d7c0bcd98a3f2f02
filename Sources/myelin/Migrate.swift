import ArgumentParser
import Logging
import MyelinStorage

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema upgrades (after a backup) and exit.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try CommandSupport.loadConfig(options.config)
        let logger = CommandSupport.bootstrapLogging(level: config.logLevel)
        do {
            try FileManagerShim.createDirectory(config.dataDir)
            let database = try await MyelinDatabase.open(
                path: config.resolvedDatabasePath,
                options: .init(backupsToKeep: config.databaseBackupsToKeep), logger: logger)
            let applied = try await database.appliedMigrations()
            try await database.close()
            print("\(config.resolvedDatabasePath): schema version \(applied.count) (\(applied.last ?? "empty"))")
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
