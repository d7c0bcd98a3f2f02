import MatrixCore
import MyelinFederation
import MyelinProfiles
import MyelinRooms

/// The federation API's transaction and membership endpoints (server-server API). Every route is
/// signed by the calling server (`.server`: X-Matrix, checked before the handler runs).
struct FederationRoutes {
    /// A transaction's body limit: 50 PDUs at the 64 KiB event limit, with room for the EDUs.
    static let maxTransactionBytes = 4 * 1024 * 1024

    let federation: FederationServices
    let rooms: RoomService
    let profiles: ProfileService

    var routes: [Route] {
        let federation = federation
        let prefix = "/_matrix/federation"
        return [
            // 50 PDUs of up to 64 KiB each and the EDUs beside them do not fit the client API's 1 MiB limit.
            Route(.put, prefix + "/v1/send/{txnId}", auth: .server, maxBodyBytes: Self.maxTransactionBytes) { call in
                let origin = try call.server
                let body = try call.jsonObject()
                let answer = try await federation.transactions.receive(
                    origin: origin, txnId: call.parameter("txnId"), body: body.object)
                return MatrixResponse(json: .object(answer))
            },
            Route(.get, prefix + "/v1/make_join/{roomId}/{userId}", auth: .server) { call in
                try await template(call, .join)
            },
            Route(.get, prefix + "/v1/make_leave/{roomId}/{userId}", auth: .server) { call in
                try await template(call, .leave)
            },
            Route(.get, prefix + "/v1/make_knock/{roomId}/{userId}", auth: .server) { call in
                try await template(call, .knock)
            },
            Route(.put, prefix + "/v1/send_knock/{roomId}/{eventId}", auth: .server) { call in
                try await membership(call, federation.resident.sendKnock)
            },
            Route(.put, prefix + "/v2/send_join/{roomId}/{eventId}", auth: .server) { call in
                try await membership(call, federation.resident.sendJoin)
            },
            Route(.put, prefix + "/v2/send_leave/{roomId}/{eventId}", auth: .server) { call in
                try await membership(call, federation.resident.sendLeave)
            },
            Route(.put, prefix + "/v2/invite/{roomId}/{eventId}", auth: .server) { call in
                let answer = try await federation.invites.invite(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    body: try call.jsonObject().object)
                return MatrixResponse(json: .object(answer))
            },
            Route(.get, prefix + "/v1/query/directory", auth: .server) { call in
                _ = try call.server
                guard let alias = call.query["room_alias"] else {
                    throw MatrixError.missingParam("'room_alias' is required")
                }
                let resolved = try await rooms.resolveLocalAlias(alias)
                return MatrixResponse(json: [
                    "room_id": .string(resolved.roomId), "servers": .array(resolved.servers.map(JSONValue.string)),
                ])
            },
            Route(.get, prefix + "/v1/query/profile", auth: .server) { call in
                _ = try call.server
                guard let userId = call.query["user_id"] else { throw MatrixError.missingParam("'user_id' is required") }
                guard matrixIDDomainOf(userId) == rooms.serverName else {
                    throw MatrixError.notFound("\(userId) is not a user of this server")
                }
                if let field = call.query["field"] {
                    let key = try ProfileKey(parsing: field)
                    return MatrixResponse(json: [field: try await profiles.field(key, of: userId)])
                }
                return MatrixResponse(json: .object(try await profiles.profile(of: userId)))
            },
            Route(.get, prefix + "/v1/event/{eventId}", auth: .server) { call in
                MatrixResponse(json: .object(try await federation.events.event(
                    origin: try call.server, eventId: call.parameter("eventId"))))
            },
            Route(.get, prefix + "/v1/state/{roomId}", auth: .server) { call in
                MatrixResponse(json: .object(try await federation.events.state(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: try eventIdQuery(call))))
            },
            Route(.get, prefix + "/v1/state_ids/{roomId}", auth: .server) { call in
                MatrixResponse(json: .object(try await federation.events.stateIds(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: try eventIdQuery(call))))
            },
            Route(.get, prefix + "/v1/event_auth/{roomId}/{eventId}", auth: .server) { call in
                MatrixResponse(json: .object(try await federation.events.eventAuth(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"))))
            },
            Route(.get, prefix + "/v1/backfill/{roomId}", auth: .server) { call in
                guard let text = call.query["limit"] else { throw MatrixError.missingParam("'limit' is required") }
                guard let limit = Int(text) else { throw MatrixError.invalidParam("'limit' must be an integer") }
                return MatrixResponse(json: .object(try await federation.events.backfill(
                    origin: try call.server, roomId: call.parameter("roomId"), from: call.queryValues("v"),
                    limit: limit)))
            },
            Route(.post, prefix + "/v1/get_missing_events/{roomId}", auth: .server) { call in
                let request = try MissingEventsRequest(body: try call.jsonObject().object)
                return MatrixResponse(json: .object(try await federation.events.missingEvents(
                    origin: try call.server, roomId: call.parameter("roomId"), request)))
            },
        ]
    }

    /// `send_join`, `send_leave`, `send_knock`: the signed event in the body, answered by the resident.
    private func membership(
        _ call: HTTPCall,
        _ handle: (_ origin: String, _ roomId: String, _ eventId: String, _ body: JSONObject) async throws -> JSONObject
    ) async throws -> MatrixResponse {
        let answer = try await handle(try call.server, call.parameter("roomId"), call.parameter("eventId"),
                                      try call.jsonObject().object)
        return MatrixResponse(json: .object(answer))
    }

    private func eventIdQuery(_ call: HTTPCall) throws -> String {
        guard let eventId = call.query["event_id"] else { throw MatrixError.missingParam("'event_id' is required") }
        return eventId
    }

    private func template(_ call: HTTPCall, _ action: RoomService.RemoteMembershipAction) async throws
        -> MatrixResponse
    {
        let answer = try await federation.resident.template(
            origin: try call.server, roomId: call.parameter("roomId"), userId: call.parameter("userId"),
            action: action, supportedVersions: call.queryValues("ver"))
        return MatrixResponse(json: .object(answer))
    }
}
