import MatrixCore
import MyelinRooms

/// `POST /createRoom`: MatrixCore plans the events from the request, the room service sends them.
struct RoomCreationRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/createRoom", rateLimit: .roomCreation) { call in
                let body = try call.optionalJSONObject()
                let requester = try call.user
                let plan = try RoomCreationPlan(
                    body: body.object, creator: requester.userId, serverName: services.rooms.serverName,
                    defaultRoomVersion: services.rooms.settings.defaultRoomVersion)
                // Third-party invites need an identity server; refused as /invite refuses them, before any
                // room exists (not silently dropped).
                guard plan.thirdPartyInvites.isEmpty else {
                    throw MatrixError.forbidden("Third-party invites are not supported by this server")
                }
                let roomId = try await services.rooms.createRoom(requester, NewRoom(plan))
                return MatrixResponse(json: ["room_id": .string(roomId)])
            },
        ]
    }
}
