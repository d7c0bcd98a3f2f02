import MatrixCore
import MyelinRooms

/// Room membership: join, knock, invite, leave, kick, ban, unban, forget and the joined rooms.
/// `third_party_signed` (joins) is ignored; `via`/`server_name` name servers to join rooms of other
/// servers through.
struct RoomMembershipRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let rooms = services.rooms
        return [
            Route(.post, "/_matrix/client/v3/join/{roomIdOrAlias}", rateLimit: .message) { call in
                let body = try call.optionalJSONObject()
                let joined = try await rooms.join(try call.user, roomIdOrAlias: call.parameter("roomIdOrAlias"),
                                                  reason: try body.string("reason"),
                                                  via: call.queryValues("via") + call.queryValues("server_name"))
                return MatrixResponse(json: ["room_id": .string(joined.roomId)])
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/join", rateLimit: .message) { call in
                let body = try call.optionalJSONObject()
                let roomId = call.parameter("roomId")
                try await rooms.join(try call.user, roomId: roomId, reason: try body.string("reason"),
                                     via: call.queryValues("via"))
                return MatrixResponse(json: ["room_id": .string(roomId)])
            },
            Route(.post, "/_matrix/client/v3/knock/{roomIdOrAlias}", rateLimit: .message) { call in
                let body = try call.optionalJSONObject()
                let knocked = try await rooms.knock(try call.user, roomIdOrAlias: call.parameter("roomIdOrAlias"),
                                                    reason: try body.string("reason"),
                                                    via: call.queryValues("via") + call.queryValues("server_name"))
                return MatrixResponse(json: ["room_id": .string(knocked.roomId)])
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/invite", rateLimit: .invite) { call in
                let body = try call.jsonObject()
                if body["user_id"] == nil, body["medium"] != nil, body["address"] != nil {
                    throw MatrixError.forbidden("Third-party invites are not supported by this server")
                }
                try await rooms.invite(try call.user, roomId: call.parameter("roomId"),
                                       userId: try body.requiredString("user_id"), reason: try body.string("reason"))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/leave", rateLimit: .message) { call in
                let body = try call.optionalJSONObject()
                try await rooms.leave(try call.user, roomId: call.parameter("roomId"), reason: try body.string("reason"))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/kick", rateLimit: .message) { call in
                let (roomId, userId, reason) = try Self.targetBody(call)
                try await rooms.kick(try call.user, roomId: roomId, userId: userId, reason: reason)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/ban", rateLimit: .message) { call in
                let (roomId, userId, reason) = try Self.targetBody(call)
                try await rooms.ban(try call.user, roomId: roomId, userId: userId, reason: reason)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/unban", rateLimit: .message) { call in
                let (roomId, userId, reason) = try Self.targetBody(call)
                try await rooms.unban(try call.user, roomId: roomId, userId: userId, reason: reason)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/forget") { call in
                try await rooms.forget(try call.user, roomId: call.parameter("roomId"))
                return .empty
            },
            Route(.get, "/_matrix/client/v3/joined_rooms") { call in
                let joined = try await rooms.joinedRooms(try call.user)
                return MatrixResponse(json: ["joined_rooms": .array(joined.map { .string($0) })])
            },
        ]
    }

    /// The body of kick, ban and unban: `user_id` (required) and `reason`.
    private static func targetBody(_ call: HTTPCall) throws -> (roomId: String, userId: String, reason: String?) {
        let body = try call.jsonObject()
        return (call.parameter("roomId"), try body.requiredString("user_id"), try body.string("reason"))
    }
}
