import FoundationEssentials
import GRDB

/// Filters users uploaded (`POST /user/{userId}/filter`), as the canonical JSON bytes of the body the
/// client sent (already checked by the caller). IDs are per user, from 0 upwards, as Synapse numbers
/// them; uploading the same filter again returns its existing ID, so a client that uploads its filter
/// on every start does not grow the table.
public struct FilterStore: Sendable {
    let database: MyelinDatabase
    /// A filter larger than its byte limit, or a new one past the user's count, throws `QuotaExceeded`.
    public let quota: FilterQuota

    public init(database: MyelinDatabase, quota: FilterQuota = .unlimited) {
        self.database = database
        self.quota = quota
    }

    /// Stores `json` for the user (or finds it) and returns its ID. One write transaction, so two
    /// uploads at once cannot take the same ID. A filter the user already has is found before the count
    /// is checked: a client re-uploading its filter at the cap still gets its ID.
    public func add(userNid: Int64, json: [UInt8]) async throws -> Int64 {
        if let max = quota.maxBytes, json.count > max {
            throw QuotaExceeded(.tooLarge, what: "bytes per filter", limit: max)
        }
        let quota = quota
        return try await database.write { db in
            let bytes = Data(json)
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT filter_id FROM user_filters WHERE user_nid = ? AND json = ?",
                arguments: [userNid, bytes])
            {
                return existing
            }
            if let max = quota.maxPerUser,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user_filters WHERE user_nid = ?",
                                 arguments: [userNid]) ?? 0 >= max
            {
                throw QuotaExceeded(.full, what: "filters per user", limit: max)
            }
            let next = (try Int64.fetchOne(
                db, sql: "SELECT MAX(filter_id) FROM user_filters WHERE user_nid = ?", arguments: [userNid])
                .map { $0 + 1 }) ?? 0
            try db.execute(sql: "INSERT INTO user_filters (user_nid, filter_id, json) VALUES (?, ?, ?)",
                           arguments: [userNid, next, bytes])
            return next
        }
    }

    /// The stored JSON of one of the user's filters, or nil.
    public func get(userNid: Int64, filterId: Int64) async throws -> [UInt8]? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT json FROM user_filters WHERE user_nid = ? AND filter_id = ?",
                              arguments: [userNid, filterId]).map { [UInt8]($0) }
        }
    }
}
