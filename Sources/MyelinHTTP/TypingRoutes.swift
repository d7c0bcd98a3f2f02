import MatrixCore
import MyelinEphemeral

/// `PUT /rooms/{roomId}/typing/{userId}`.
struct TypingRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let typing = services.ephemeral.typing
        return [
            Route(.put, "/_matrix/client/v3/rooms/{roomId}/typing/{userId}") { call in
                let user = try call.user
                let body = try call.jsonObject()
                guard let isTyping = try body.bool("typing") else { throw MatrixError.missingParam("'typing' is required") }
                try await typing.setTyping(user, roomId: call.parameter("roomId"), userId: call.parameter("userId"),
                                           typing: isTyping, timeoutMs: try body.int("timeout"))
                return .empty
            },
        ]
    }
}
