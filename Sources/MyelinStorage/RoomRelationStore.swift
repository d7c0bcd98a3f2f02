import GRDB
import MatrixCore

/// A thread's aggregate as stored: its replies (`m.thread` relations that are accepted and not
/// redacted), the latest of them in topological order, and whether a given user sent one.
public struct ThreadSummaryRow: Sendable {
    public let rootId: String
    public let count: Int
    public let latestNid: Int64
    public let latest: TimelinePosition
    public let userReplied: Bool
}

/// A thread root with the position of its latest reply, which orders `/threads`.
public struct ThreadRootRow: Sendable {
    public let rootNid: Int64
    public let latest: TimelinePosition
}

/// Events that relate to others (`content.m.relates_to`, kept in `events.relates_to`/`rel_type`).
/// A redacted event loses its relation (redaction strips it from content), so these queries skip
/// redacted children, as Synapse does when it deletes the relation on redaction.
extension RoomEventStore {
    static let threadReplies = "e.rel_type = 'm.thread' AND e.stream_pos IS NOT NULL AND e.redacted_by IS NULL"

    /// A page of the accepted events relating to `parentId`, in topological order (see `timeline`).
    /// `levels` > 1 also follows relations of relations (`recurse`), up to that many hops.
    public func relations(roomNid: Int64, parentId: String, relType: String?, eventType: String?, levels: Int,
                          from: TimelinePosition, direction: TimelineDirection, to: TimelinePosition?,
                          limit: Int) async throws -> [StoredEvent] {
        try await database.read { db in
            var condition: String
            var arguments: StatementArguments
            if levels > 1 {
                condition = """
                    i.event_id IN (
                        WITH RECURSIVE related(event_id, level) AS (
                            SELECT ci.event_id, 1 FROM events c JOIN event_ids ci ON ci.event_nid = c.event_nid
                            WHERE c.relates_to = ? AND c.room_nid = ? AND c.stream_pos IS NOT NULL
                                AND c.redacted_by IS NULL
                            UNION
                            SELECT ci.event_id, r.level + 1 FROM related r JOIN events c ON c.relates_to = r.event_id
                                JOIN event_ids ci ON ci.event_nid = c.event_nid
                            WHERE r.level < ? AND c.room_nid = ? AND c.stream_pos IS NOT NULL
                                AND c.redacted_by IS NULL
                        )
                        SELECT event_id FROM related)
                    AND e.redacted_by IS NULL
                    """
                arguments = [parentId, roomNid, levels, roomNid]
            } else {
                condition = "e.relates_to = ? AND e.redacted_by IS NULL"
                arguments = [parentId]
            }
            if let relType {
                condition += " AND e.rel_type = ?"
                arguments += [relType]
            }
            if let eventType {
                condition += " AND e.type = ?"
                arguments += [eventType]
            }
            return try Self.events(db, roomNid: roomNid, extraCondition: condition, extraArguments: arguments,
                                   from: from, direction: direction, to: to, limit: limit)
        }
    }

    /// Thread roots of a room (accepted events with accepted `m.thread` replies), latest reply first,
    /// from those whose latest reply is at or before `from`. `participant`: only threads that user
    /// started or replied in.
    public func threadRoots(roomNid: Int64, participant: String?, from: TimelinePosition?, limit: Int)
        async throws -> [ThreadRootRow]
    {
        try await database.read { db in
            var sql = """
                SELECT r.event_nid AS root_nid, t.depth, t.stream_pos FROM (
                    SELECT e.relates_to, e.depth, e.stream_pos,
                        ROW_NUMBER() OVER (PARTITION BY e.relates_to ORDER BY e.depth DESC, e.stream_pos DESC) AS rank
                    FROM events e WHERE e.room_nid = ? AND \(Self.threadReplies)
                ) t
                JOIN event_ids ri ON ri.event_id = t.relates_to
                JOIN events r ON r.event_nid = ri.event_nid AND r.room_nid = ? AND r.stream_pos IS NOT NULL
                WHERE t.rank = 1
                """
            var arguments: StatementArguments = [roomNid, roomNid]
            if let from {
                sql += " AND (t.depth, t.stream_pos) <= (?, ?)"
                arguments += [from.depth, from.stream]
            }
            if let participant {
                sql += """
                     AND (r.sender = ? OR EXISTS (
                        SELECT 1 FROM events e WHERE e.room_nid = ? AND e.relates_to = t.relates_to
                            AND \(Self.threadReplies) AND e.sender = ?))
                    """
                arguments += [participant, roomNid, participant]
            }
            sql += " ORDER BY t.depth DESC, t.stream_pos DESC LIMIT \(max(0, limit))"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                ThreadRootRow(rootNid: row["root_nid"],
                              latest: TimelinePosition(depth: row["depth"], stream: row["stream_pos"]))
            }
        }
    }

    /// Summaries of the threads rooted at `rootIds` (those with replies), with whether `userId` replied.
    public func threadSummaries(roomNid: Int64, rootIds: [String], userId: String) async throws
        -> [String: ThreadSummaryRow]
    {
        if rootIds.isEmpty { return [:] }
        return try await database.read { db in
            var result: [String: ThreadSummaryRow] = [:]
            for chunk in stride(from: 0, to: rootIds.count, by: 500) {
                let part = Array(rootIds[chunk..<min(chunk + 500, rootIds.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: """
                        SELECT relates_to, event_nid, depth, stream_pos, count, replied FROM (
                            SELECT e.relates_to, e.event_nid, e.depth, e.stream_pos,
                                ROW_NUMBER() OVER (PARTITION BY e.relates_to ORDER BY e.depth DESC, e.stream_pos DESC)
                                    AS rank,
                                COUNT(*) OVER (PARTITION BY e.relates_to) AS count,
                                MAX(e.sender = ?) OVER (PARTITION BY e.relates_to) AS replied
                            FROM events e
                            WHERE e.room_nid = ? AND \(Self.threadReplies) AND e.relates_to IN (\(marks))
                        ) WHERE rank = 1
                        """, arguments: [userId, roomNid] + StatementArguments(part))
                for row in rows {
                    let root: String = row["relates_to"]
                    result[root] = ThreadSummaryRow(
                        rootId: root, count: row["count"], latestNid: row["event_nid"],
                        latest: TimelinePosition(depth: row["depth"], stream: row["stream_pos"]),
                        userReplied: row["replied"])
                }
            }
            return result
        }
    }
}
