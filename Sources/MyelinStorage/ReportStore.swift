import GRDB

/// What a report is about (`reports.kind`).
public enum ReportKind: String, Sendable {
    case event
    case room
    case user
}

/// A report as stored: who reported what, why, and when.
public struct ReportRecord: Sendable, Equatable {
    public let id: Int64
    public let kind: ReportKind
    public let roomId: String?
    public let eventId: String?
    public let targetUserId: String?
    public let reporter: String
    public let reason: String?
    public let score: Int64?
    public let receivedTs: Int64

    public init(id: Int64 = 0, kind: ReportKind, roomId: String? = nil, eventId: String? = nil,
                targetUserId: String? = nil, reporter: String, reason: String?, score: Int64? = nil,
                receivedTs: Int64) {
        self.id = id
        self.kind = kind
        self.roomId = roomId
        self.eventId = eventId
        self.targetUserId = targetUserId
        self.reporter = reporter
        self.reason = reason
        self.score = score
        self.receivedTs = receivedTs
    }
}

/// One page of reports, with how many match in all.
public struct ReportPage: Sendable {
    public let reports: [ReportRecord]
    public let total: Int
}

/// Content reports from users (`reports`), for the server admins to read.
public struct ReportStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// Stores a report (its `id` is ignored); returns the new report's ID.
    @discardableResult
    public func add(_ report: ReportRecord) async throws -> Int64 {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO reports (kind, room_id, event_id, target_user_id, reporter, reason, score, received_ts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [report.kind.rawValue, report.roomId, report.eventId, report.targetUserId, report.reporter,
                            report.reason, report.score, report.receivedTs])
            return db.lastInsertedRowID
        }
    }

    public func report(id: Int64) async throws -> ReportRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM reports WHERE report_id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// Reports of one kind, newest first unless `oldestFirst`, optionally only those of one room or reporter.
    public func reports(kind: ReportKind, offset: Int, limit: Int, oldestFirst: Bool, roomId: String? = nil,
                        reporter: String? = nil) async throws -> ReportPage {
        try await database.read { db in
            var conditions = ["kind = ?"]
            var arguments: StatementArguments = [kind.rawValue]
            if let roomId {
                conditions.append("room_id = ?")
                _ = arguments.append(contentsOf: [roomId])
            }
            if let reporter {
                conditions.append("reporter = ?")
                _ = arguments.append(contentsOf: [reporter])
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reports WHERE \(whereClause)",
                                         arguments: arguments) ?? 0
            let order = oldestFirst ? "ASC" : "DESC"
            _ = arguments.append(contentsOf: [limit, offset])
            let rows = try Row.fetchAll(
                db, sql: """
                    SELECT * FROM reports WHERE \(whereClause)
                    ORDER BY received_ts \(order), report_id \(order) LIMIT ? OFFSET ?
                    """, arguments: arguments)
            return ReportPage(reports: rows.map(Self.record), total: total)
        }
    }

    /// Whether a local account with this localpart exists (reports of unknown users are refused).
    public func localUserExists(localpart: String) async throws -> Bool {
        try await AccountStore(database: database).exists(localpart: localpart)
    }

    static func record(_ row: Row) -> ReportRecord {
        ReportRecord(
            id: row["report_id"], kind: ReportKind(rawValue: row["kind"]) ?? .event, roomId: row["room_id"],
            eventId: row["event_id"], targetUserId: row["target_user_id"], reporter: row["reporter"],
            reason: row["reason"], score: row["score"], receivedTs: row["received_ts"])
    }
}

extension RoomEventStore {
    /// Content reports over the same database.
    public var reports: ReportStore { ReportStore(database: database) }
}
