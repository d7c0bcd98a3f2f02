import FoundationEssentials
import GRDB

/// Online backups of the database, taken before each schema upgrade, pruned to the newest N.
enum Backups {
    static func directory(for databasePath: String) -> String {
        guard let slash = databasePath.lastIndex(of: "/") else { return "backups" }
        let parent = databasePath[..<slash]
        return (parent.isEmpty ? "" : String(parent)) + "/backups"
    }

    /// Copies the live database (SQLite's online backup API: consistent while readers run) and returns the
    /// backup's path.
    static func take(of pool: DatabasePool, databasePath: String, fromVersion version: Int, keep: Int) async throws
        -> String
    {
        let dir = directory(for: databasePath)
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        let name = "myelin-schema\(version)-\(stamp).sqlite"
        let target = dir + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let destination = try DatabaseQueue(path: target)
            try pool.backup(to: destination)
            try destination.close()
        } catch {
            throw StorageError.backupFailed(path: target, reason: "\(error)")
        }
        prune(directory: dir, keep: keep)
        return target
    }

    /// The backups present, oldest first (names sort by their millisecond stamp).
    static func list(directory dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasPrefix("myelin-schema") && $0.hasSuffix(".sqlite") }
            .sorted { stamp(of: $0) < stamp(of: $1) }
    }

    private static func stamp(of name: String) -> Int64 {
        let trimmed = name.dropLast(".sqlite".count)
        return trimmed.split(separator: "-").last.flatMap { Int64($0) } ?? 0
    }

    private static func prune(directory dir: String, keep: Int) {
        let all = list(directory: dir)
        guard all.count > keep else { return }
        for name in all.prefix(all.count - max(keep, 1)) {
            try? FileManager.default.removeItem(atPath: dir + "/" + name)
        }
    }
}

extension MyelinDatabase {
    /// The backups kept beside the database at `path`, oldest first.
    public static func backups(forDatabaseAt path: String) -> [String] {
        let dir = Backups.directory(for: path)
        return Backups.list(directory: dir).map { dir + "/" + $0 }
    }
}
