import GRDB

/// The newest position of every stream kept in the database, read together: each `/sync` round needs
/// all of them, and one read is one trip to the reader pool instead of five.
public struct StreamPositions: Sendable, Equatable {
    public var rooms: Int64
    public var accountData: Int64
    public var receipts: Int64
    public var toDevice: Int64
    public var deviceLists: Int64

    public static func read(from database: MyelinDatabase) async throws -> StreamPositions {
        try await database.read { db in try read(db) }
    }

    static func read(_ db: Database) throws -> StreamPositions {
        do {
            guard
                let row = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT (SELECT MAX(stream_pos) FROM events) AS rooms,
                        (SELECT MAX(stream_pos) FROM account_data) AS account_data,
                        (SELECT MAX(stream_pos) FROM receipts) AS receipts,
                        (SELECT seq FROM sqlite_sequence WHERE name = 'to_device_messages') AS to_device,
                        (SELECT seq FROM sqlite_sequence WHERE name = 'device_list_changes') AS device_lists
                    """))
            else { return StreamPositions(rooms: 0, accountData: 0, receipts: 0, toDevice: 0, deviceLists: 0) }
            return StreamPositions(
                rooms: row["rooms"] ?? 0, accountData: row["account_data"] ?? 0, receipts: row["receipts"] ?? 0,
                toDevice: row["to_device"] ?? 0, deviceLists: row["device_lists"] ?? 0)
        }
    }
}
