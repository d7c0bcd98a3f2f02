import MatrixCore
import MyelinFederation
import MyelinRooms

/// The federation API's transaction and membership endpoints (server-server API). Every route is
/// signed by the calling server (`.server`: X-Matrix, checked before the handler runs).
struct FederationRoutes {
    let federation: FederationServices

    var routes: [Route] {
        let federation = federation
        let prefix = "/_matrix/federation"
        return [
            Route(.put, prefix + "/v1/send/{txnId}", auth: .server) { call in
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
                let answer = try await federation.resident.sendKnock(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    body: try call.jsonObject().object)
                return MatrixResponse(json: .object(answer))
            },
            Route(.put, prefix + "/v2/send_join/{roomId}/{eventId}", auth: .server) { call in
                let answer = try await federation.resident.sendJoin(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    body: try call.jsonObject().object)
                return MatrixResponse(json: .object(answer))
            },
            Route(.put, prefix + "/v2/send_leave/{roomId}/{eventId}", auth: .server) { call in
                let answer = try await federation.resident.sendLeave(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    body: try call.jsonObject().object)
                return MatrixResponse(json: .object(answer))
            },
            Route(.put, prefix + "/v2/invite/{roomId}/{eventId}", auth: .server) { call in
                let answer = try await federation.invites.invite(
                    origin: try call.server, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    body: try call.jsonObject().object)
                return MatrixResponse(json: .object(answer))
            },
        ]
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
