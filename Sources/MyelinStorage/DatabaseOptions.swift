/// How the database is opened. Defaults suit a Pi with an SD card.
public struct DatabaseOptions: Sendable {
    /// How long a connection waits for a lock before failing, in milliseconds.
    public var busyTimeoutMs: Int
    /// Concurrent read connections (WAL lets them run beside the writer).
    public var readers: Int
    /// Online backups taken before a schema upgrade that are kept; older ones are deleted.
    public var backupsToKeep: Int
    /// SQLite's page cache per connection, in KiB (from the memory budget).
    public var cacheKiB: Int

    public init(busyTimeoutMs: Int = 5000, readers: Int = 2, backupsToKeep: Int = 3, cacheKiB: Int = 2048) {
        self.busyTimeoutMs = busyTimeoutMs
        self.readers = readers
        self.backupsToKeep = backupsToKeep
        self.cacheKiB = cacheKiB
    }
}
