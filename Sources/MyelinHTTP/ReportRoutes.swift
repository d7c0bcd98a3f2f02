import MatrixCore
import MyelinRooms

/// Reporting events, rooms and users, and the Synapse admin API that lists event reports.
struct ReportRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let rooms = services.rooms
        return [
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/report/{eventId}", rateLimit: .report) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let body = try call.jsonObject()
                try await rooms.reportEvent(
                    requester, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    reason: try body.string("reason"), score: try body.int("score"))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/report", rateLimit: .report) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let reason = try call.jsonObject().requiredString("reason")
                try await rooms.reportRoom(requester, roomId: call.parameter("roomId"), reason: reason)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/users/{userId}/report", rateLimit: .report) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let reason = try call.jsonObject().requiredString("reason")
                try await rooms.reportUser(requester, userId: call.parameter("userId"), reason: reason)
                return .empty
            },
            Route(.get, "/_synapse/admin/v1/event_reports") { call in
                try requireAdmin(call)
                let offset = try Self.nonNegative(call.query["from"], name: "from") ?? 0
                let limit = try Self.nonNegative(call.query["limit"], name: "limit") ?? 100
                let direction = call.query["dir"] ?? "b"
                guard direction == "b" || direction == "f" else { throw MatrixError.invalidParam("dir must be b or f") }
                let (entries, total) = try await rooms.eventReports(
                    offset: offset, limit: limit, oldestFirst: direction == "f", roomId: call.query["room_id"],
                    reporter: call.query["user_id"])
                var json: JSONObject = ["event_reports": .array(entries.map { .object($0.json) }),
                                        "total": .int(Int64(total))]
                if offset + entries.count < total { json["next_token"] = .int(Int64(offset + entries.count)) }
                return MatrixResponse(json: .object(json))
            },
            Route(.get, "/_synapse/admin/v1/event_reports/{reportId}") { call in
                try requireAdmin(call)
                guard let id = Int64(call.parameter("reportId")), id >= 0 else {
                    throw MatrixError.invalidParam("The report_id parameter must be a positive integer")
                }
                return MatrixResponse(json: .object(try await rooms.eventReport(id: id).json))
            },
        ]
    }

    private func requireAdmin(_ call: HTTPCall) throws {
        guard try call.user.isAdmin else { throw MatrixError.forbidden("You are not a server admin") }
    }

    /// A non-negative integer query parameter (Synapse's 400 `M_INVALID_PARAM` otherwise).
    static func nonNegative(_ text: String?, name: String) throws -> Int? {
        guard let value = try RoomDirectoryRoutes.integer(text, name: name) else { return nil }
        guard value >= 0 else { throw MatrixError.invalidParam("The \(name) parameter must be a positive integer") }
        return Int(clamping: min(value, Int64(Int32.max)))
    }
}
