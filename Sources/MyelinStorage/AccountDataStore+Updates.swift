import FoundationEssentials
import GRDB
import MatrixCore

extension AccountDataStore {
    /// Reads, changes and writes one entry in a single write transaction, so two changes at once (two
    /// tags added from two devices) cannot lose one another. `transform` gets the stored content (nil
    /// when there is none) and returns the new content, or nil to leave the entry as it is. Returns
    /// the stream position written at, or nil when nothing was written.
    @discardableResult
    public func update(userNid: Int64, roomId: String?, type: String,
                       _ transform: @escaping @Sendable ([UInt8]?) throws -> [UInt8]?) async throws -> Int64? {
        let quota = quota
        let position = try await database.write { db -> Int64? in
            let current = try Data.fetchOne(
                db, sql: "SELECT content FROM account_data WHERE user_nid = ? AND room_id = ? AND type = ?",
                arguments: [userNid, roomId ?? "", type]
            ).map { [UInt8]($0) }
            guard let content = try transform(current) else { return nil }
            try Self.checkQuota(db, quota, userNid: userNid, roomId: roomId, type: type, content: content)
            return try Self.upsert(db, userNid: userNid, roomId: roomId, type: type, content: content)
        }
        if position != nil { await changes.publish(userNid) }
        return position
    }

    /// The users `userNid` ignores (`m.ignored_user_list`), read leniently: stored content that cannot
    /// be read ignores no one rather than failing a read path.
    public func ignoredUsers(userNid: Int64) async throws -> Set<String> {
        try await database.read { db in try Self.ignoredUsers(db, userNid: userNid) }
    }

    static func ignoredUsers(_ db: Database, userNid: Int64) throws -> Set<String> {
        guard let bytes = try get(db, userNid: userNid, roomId: nil, type: IgnoredUserList.type) else { return [] }
        return IgnoredUserList(stored: try? JSONParser.parse(bytes)).userIds
    }
}

extension RoomEventStore {
    /// The account data kept in the same database: the room read paths consult the reader's ignore list.
    public var accountData: AccountDataStore { AccountDataStore(database: database) }
}
