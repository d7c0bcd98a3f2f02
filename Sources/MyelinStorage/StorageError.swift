/// Storage failures that callers must tell apart from SQLite errors.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// The file was written by a newer Myelin: its schema has migrations this binary does not know.
    case schemaNewerThanBinary(path: String, unknownMigrations: [String])
    case cannotOpen(path: String, reason: String)
    case backupFailed(path: String, reason: String)
    /// Stored data contradicts itself (a snapshot without its base, say): a bug or a damaged file.
    case corrupt(String)

    public var description: String {
        switch self {
        case .schemaNewerThanBinary(let path, let unknown):
            return "the database \(path) was upgraded by a newer Myelin (it has schema migrations "
                + "\(unknown.joined(separator: ", ")) that this binary does not know). Run the newer Myelin, "
                + "or restore a backup from before the upgrade; refusing to touch it."
        case .cannotOpen(let path, let reason):
            return "cannot open the database \(path): \(reason)"
        case .backupFailed(let path, let reason):
            return "could not back up the database to \(path) before upgrading its schema: \(reason)"
        case .corrupt(let what):
            return "the database is inconsistent: \(what)"
        }
    }
}
