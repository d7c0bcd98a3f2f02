import GRDB

/// A user's presence as last written: the state, the status message, when they were last active and
/// whether they counted as currently active, with the position of that write in the presence stream.
public struct PresenceRecord: Sendable, Equatable {
    public var userId: String
    public var state: String
    public var statusMsg: String?
    public var lastActiveTs: Int64
    public var currentlyActive: Bool
    public var streamPos: Int64

    public init(userId: String, state: String, statusMsg: String?, lastActiveTs: Int64, currentlyActive: Bool,
                streamPos: Int64) {
        self.userId = userId
        self.state = state
        self.statusMsg = statusMsg
        self.lastActiveTs = lastActiveTs
        self.currentlyActive = currentlyActive
        self.streamPos = streamPos
    }
}

/// Presence rows. The presence service keeps every user's presence in memory and assigns stream
/// positions itself; this table only carries them across restarts.
public struct PresenceStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    public func all() async throws -> [PresenceRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT user_id, state, status_msg, last_active_ts, currently_active, stream_pos FROM presence
                """).map { row in
                PresenceRecord(userId: row["user_id"], state: row["state"], statusMsg: row["status_msg"],
                               lastActiveTs: row["last_active_ts"], currentlyActive: row["currently_active"],
                               streamPos: row["stream_pos"])
            }
        }
    }

    /// Upserts the record. Writes may reach the writer out of order; one never replaces a row written
    /// at a later stream position.
    public func save(_ record: PresenceRecord) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO presence (user_id, state, status_msg, last_active_ts, currently_active, stream_pos)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg,
                        last_active_ts = excluded.last_active_ts, currently_active = excluded.currently_active,
                        stream_pos = excluded.stream_pos
                    WHERE excluded.stream_pos >= presence.stream_pos
                    """,
                arguments: [record.userId, record.state, record.statusMsg, record.lastActiveTs,
                            record.currentlyActive, record.streamPos])
        }
    }
}
