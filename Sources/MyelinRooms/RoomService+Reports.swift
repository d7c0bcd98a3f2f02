import MatrixCore
import MyelinAccounts
import MyelinStorage

/// An event report as the admin API shows it: the report with the room's name and canonical alias and
/// the reported event's sender (and, for one report, the event itself).
public struct EventReportEntry: Sendable {
    public let report: ReportRecord
    public let roomName: String?
    public let canonicalAlias: String?
    public let sender: String?
    public let eventJSON: JSONObject?

    /// Synapse's shape for `GET /_synapse/admin/v1/event_reports` entries (`event_json` for one report).
    public var json: JSONObject {
        var json: JSONObject = [
            "id": .int(report.id), "received_ts": .int(report.receivedTs), "room_id": .string(report.roomId ?? ""),
            "event_id": .string(report.eventId ?? ""), "user_id": .string(report.reporter),
            "reason": report.reason.map(JSONValue.string) ?? .null, "score": report.score.map(JSONValue.int) ?? .null,
            "name": roomName.map(JSONValue.string) ?? .null,
            "canonical_alias": canonicalAlias.map(JSONValue.string) ?? .null,
            "sender": sender.map(JSONValue.string) ?? .null,
        ]
        if let eventJSON { json["event_json"] = .object(eventJSON) }
        return json
    }
}

/// Reporting events, rooms and users to the server admins (`/rooms/{roomId}/report/{eventId}`,
/// `/rooms/{roomId}/report`, `/users/{userId}/report`), and the admins' list of event reports.
extension RoomService {
    /// Synapse's bound on a user report's reason.
    public static let maxUserReportReasonLength = 1000

    /// The reporter must be joined to the room and able to see the event, which must not be redacted;
    /// otherwise 404 `M_NOT_FOUND`, the one answer the spec gives so that a report reveals nothing.
    public func reportEvent(_ requester: Requester, roomId: String, eventId: String, reason: String?,
                            score: Int64?) async throws {
        let notFound = MatrixError.notFound("Unable to report event: it does not exist or you aren't able to see it")
        guard let room = try await store.room(id: roomId), try await membership(room, requester.userId) == .join,
            let event = try await store.event(id: eventId), event.roomNid == room.nid, event.status == .accepted,
            event.redactedBy == nil,
            !(try await visibleEvents([event], room: room, userId: requester.userId).isEmpty)
        else { throw notFound }
        try await store.reports.add(ReportRecord(
            kind: .event, roomId: roomId, eventId: eventId, reporter: requester.userId, reason: reason, score: score,
            receivedTs: nowMs()))
    }

    /// The room must be known (404); the reporter need not be in it.
    public func reportRoom(_ requester: Requester, roomId: String, reason: String) async throws {
        guard try await store.room(id: roomId) != nil else { throw MatrixError.notFound("Room does not exist") }
        try await store.reports.add(ReportRecord(
            kind: .room, roomId: roomId, reporter: requester.userId, reason: reason, receivedTs: nowMs()))
    }

    /// 400 `M_INVALID_PARAM` for a malformed user ID, 400 `M_BAD_JSON` for a reason over 1000
    /// characters (Synapse), 404 for a local user who does not exist. Users of other servers cannot be
    /// checked; their reports are kept for the admins all the same.
    public func reportUser(_ requester: Requester, userId: String, reason: String) async throws {
        let target: UserID
        do {
            target = try UserID(parsing: userId)
        } catch {
            throw MatrixError.invalidParam("Invalid user ID \(userId): \(error.description)")
        }
        guard reason.count <= Self.maxUserReportReasonLength else {
            throw MatrixError.badJSON("Reason must be less than \(Self.maxUserReportReasonLength) characters")
        }
        if target.serverName == serverName, !(try await store.reports.localUserExists(localpart: target.localpart)) {
            throw MatrixError.notFound("The user was not found")
        }
        try await store.reports.add(ReportRecord(
            kind: .user, targetUserId: userId, reporter: requester.userId, reason: reason, receivedTs: nowMs()))
    }

    /// Event reports for the admin API, newest first unless `oldestFirst`; the caller checks the admin.
    public func eventReports(offset: Int, limit: Int, oldestFirst: Bool, roomId: String? = nil,
                             reporter: String? = nil) async throws -> (entries: [EventReportEntry], total: Int) {
        let page = try await store.reports.reports(kind: .event, offset: offset, limit: limit,
                                                   oldestFirst: oldestFirst, roomId: roomId, reporter: reporter)
        var entries: [EventReportEntry] = []
        for report in page.reports { entries.append(try await entry(report, withEvent: false)) }
        return (entries, page.total)
    }

    /// One event report with the reported event; 404 when there is none with this ID.
    public func eventReport(id: Int64) async throws -> EventReportEntry {
        guard let report = try await store.reports.report(id: id), report.kind == .event else {
            throw MatrixError.notFound("Event report not found")
        }
        return try await entry(report, withEvent: true)
    }

    private func entry(_ report: ReportRecord, withEvent: Bool) async throws -> EventReportEntry {
        var name: String? = nil
        var alias: String? = nil
        var sender: String? = nil
        var eventJSON: JSONObject? = nil
        if let roomId = report.roomId, let room = try await store.room(id: roomId) {
            let summary = try await summary(room, joinedMembers: 0)
            name = summary.name
            alias = summary.canonicalAlias
            if let eventId = report.eventId, let event = try await store.event(id: eventId),
                event.roomNid == room.nid {
                sender = event.sender
                if withEvent { eventJSON = try await clientEvents([event], room: room, viewer: nil).first }
            }
        }
        return EventReportEntry(report: report, roomName: name, canonicalAlias: alias, sender: sender,
                                eventJSON: eventJSON)
    }
}
