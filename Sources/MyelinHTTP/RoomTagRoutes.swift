import MatrixCore

/// `/user/{userId}/rooms/{roomId}/tags` and `.../tags/{tag}`.
struct RoomTagRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/user/{userId}/rooms/{roomId}/tags") { call in
                let tags = try await services.roomTags.tags(
                    try call.user, targetUserId: call.parameter("userId"), roomId: call.parameter("roomId"))
                return MatrixResponse(json: ["tags": .object(tags)])
            },
            Route(.put, "/_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}", rateLimit: .accountData) { call in
                let user = try call.user
                let body = try call.jsonObject()
                try await services.roomTags.setTag(
                    user, targetUserId: call.parameter("userId"), roomId: call.parameter("roomId"),
                    tag: call.parameter("tag"), content: body.object)
                return .empty
            },
            Route(.delete, "/_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}", rateLimit: .accountData) { call in
                try await services.roomTags.removeTag(
                    try call.user, targetUserId: call.parameter("userId"), roomId: call.parameter("roomId"),
                    tag: call.parameter("tag"))
                return .empty
            },
        ]
    }
}
