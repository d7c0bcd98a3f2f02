import GRDB

/// Users who asked to be erased when they deactivated (spec v1.10): "any users (or servers) which join
/// the room after the erasure request are served redacted copies of the events sent by this account".
/// A viewer keeps the unredacted copies only if their membership in the room is older than the erasure
/// (they were there, or had been and left, before it); anyone whose membership changed since, or who has
/// none (peeking), gets redacted ones.
extension RoomEventStore {
    /// Those of `senders` erased for `viewer` (a user ID) in the room; every erased sender when `viewer`
    /// is nil.
    public func erasedSenders(_ senders: Set<String>, roomNid: Int64, hiddenFrom viewer: String?) async throws
        -> Set<String>
    {
        try await erasedSenders(senders, roomNid: roomNid, memberCondition: "m.user_id = ?", viewer)
    }

    /// The same for a server: its events are kept unredacted only while one of its users' membership is
    /// older than the erasure.
    public func erasedSenders(_ senders: Set<String>, roomNid: Int64, hiddenFromServer server: String) async throws
        -> Set<String>
    {
        try await erasedSenders(senders, roomNid: roomNid, memberCondition: "m.user_id LIKE '%:' || ? ESCAPE '\\'",
                                Self.likeEscaped(server))
    }

    private func erasedSenders(_ senders: Set<String>, roomNid: Int64, memberCondition: String, _ member: String?)
        async throws -> Set<String>
    {
        guard !senders.isEmpty else { return [] }
        return try await database.read { db in
            // Nearly always empty: one cheap look before building the query.
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM erased_users)") == true else { return [] }
            let list = Array(senders)
            let marks = Array(repeating: "?", count: list.count).joined(separator: ", ")
            var arguments = StatementArguments(list)
            var sql = "SELECT e.user_id FROM erased_users e WHERE e.user_id IN (\(marks))"
            if let member {
                sql += """
                     AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_nid = ? AND \(memberCondition)
                        AND m.stream_pos IS NOT NULL AND m.stream_pos <= e.stream_pos)
                    """
                arguments += [roomNid, member]
            }
            return Set(try String.fetchAll(db, sql: sql, arguments: arguments))
        }
    }

    /// `text` for a LIKE pattern with `\` as the escape character.
    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
