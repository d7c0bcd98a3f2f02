import GRDB

/// The device list stream: which users' device identity or cross-signing keys changed, by position.
/// Writers record a change inside the transaction that makes it (`record`), so a change can never be
/// stored without its notice; `/sync` and `/keys/changes` read what changed between two tokens.
public struct DeviceListStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Notes that `userIds`' device lists changed, in the caller's write transaction.
    static func record(_ db: Database, userIds: some Sequence<String>) throws {
        for userId in Set(userIds) {
            try db.execute(sql: "INSERT INTO device_list_changes (user_id) VALUES (?)", arguments: [userId])
        }
    }

    /// What changed for `userId` between two positions of the room and device list streams.
    ///
    /// `changed`: users who share a joined room with `userId` now (or are `userId`) and whose keys
    /// changed, plus users who came to share a room: they joined one of `userId`'s rooms, or `userId`
    /// joined theirs. `left`: users who shared a room in the range and share none now.
    public func changes(for userId: String, rooms: ClosedRange<Int64>, deviceLists: ClosedRange<Int64>) async throws
        -> DeviceListChanges
    {
        try await database.read { db in try Self.changes(db, for: userId, rooms: rooms, deviceLists: deviceLists) }
    }

    static func changes(_ db: Database, for userId: String, rooms: ClosedRange<Int64>,
                        deviceLists: ClosedRange<Int64>) throws -> DeviceListChanges
    {
        // Ranges are (lower, upper]: the lower bound is the position the client already has. Candidates
        // are gathered first and only they are checked against the user's rooms: the members of a big
        // room are never all loaded.
        var keysChanged: Set<String> = []
        if deviceLists.upperBound > deviceLists.lowerBound {
            keysChanged = Set(try String.fetchAll(
                db.cachedStatement(sql: """
                    SELECT DISTINCT user_id FROM device_list_changes WHERE stream_pos > ? AND stream_pos <= ?
                    """),
                arguments: [deviceLists.lowerBound, deviceLists.upperBound]))
        }
        var arrived: Set<String> = []
        var departed: Set<String> = []
        if rooms.upperBound > rooms.lowerBound {
            let range: StatementArguments = [userId, rooms.lowerBound, rooms.upperBound, rooms.lowerBound,
                                             rooms.upperBound]
            // Joins to the user's rooms, and everyone in the rooms the user joined.
            arrived = Set(try String.fetchAll(
                db.cachedStatement(sql: """
                    SELECT DISTINCT other.user_id FROM room_members mine
                        JOIN room_members other ON other.room_nid = mine.room_nid
                    WHERE mine.user_id = ? AND mine.membership = 'join' AND other.membership = 'join'
                        AND ((other.stream_pos > ? AND other.stream_pos <= ?)
                             OR (mine.stream_pos > ? AND mine.stream_pos <= ?))
                    """),
                arguments: range))
            arrived.remove(userId)
            // Departures from the user's rooms, and everyone in the rooms the user left.
            departed = Set(try String.fetchAll(
                db.cachedStatement(sql: """
                    SELECT DISTINCT other.user_id FROM room_members mine
                        JOIN room_members other ON other.room_nid = mine.room_nid
                    WHERE mine.user_id = ?
                        AND ((mine.membership = 'join' AND other.membership IN ('leave', 'ban')
                              AND other.stream_pos > ? AND other.stream_pos <= ?)
                          OR (mine.membership IN ('leave', 'ban') AND mine.stream_pos > ? AND mine.stream_pos <= ?
                              AND other.membership = 'join'))
                    """),
                arguments: range))
            departed.remove(userId)
        }
        var changed: Set<String> = []
        var left: Set<String> = []
        for candidate in keysChanged.union(arrived) where try candidate == userId || shares(db, userId, candidate) {
            changed.insert(candidate)
        }
        for candidate in departed where try !shares(db, userId, candidate) {
            left.insert(candidate)
        }
        return DeviceListChanges(changed: changed, left: left)
    }

    /// Whether two users are joined to a common room.
    private static func shares(_ db: Database, _ userId: String, _ other: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM room_members mine
                    JOIN room_members other ON other.room_nid = mine.room_nid
                    WHERE mine.user_id = ? AND mine.membership = 'join'
                        AND other.user_id = ? AND other.membership = 'join')
                """),
            arguments: [userId, other]) ?? false
    }
}

/// `device_lists` of a sync response, and the answer of `/keys/changes`.
public struct DeviceListChanges: Sendable, Equatable {
    public var changed: Set<String>
    public var left: Set<String>

    public init(changed: Set<String> = [], left: Set<String> = []) {
        self.changed = changed
        self.left = left
    }

    public var isEmpty: Bool { changed.isEmpty && left.isEmpty }
}
