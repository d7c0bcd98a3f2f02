import MatrixCore
import MyelinRooms

/// `POST /rooms/{roomId}/upgrade`.
struct RoomUpgradeRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/upgrade", rateLimit: .message) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let body = try call.jsonObject()
                let replacement = try await services.rooms.upgradeRoom(
                    requester, roomId: call.parameter("roomId"), newVersion: try body.requiredString("new_version"),
                    additionalCreators: try body.stringArray("additional_creators") ?? [])
                return MatrixResponse(json: ["replacement_room": .string(replacement)])
            },
        ]
    }
}
