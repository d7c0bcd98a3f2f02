import MatrixCore
import MyelinRooms

/// Sending: message events, state events and redactions.
struct RoomSendRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let rooms = services.rooms
        return [
            Route(.put, "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}", rateLimit: .message) { call in
                let content = try call.jsonObject().object
                let eventId = try await rooms.sendMessage(
                    try call.user, roomId: call.parameter("roomId"), type: call.parameter("eventType"),
                    txnId: call.parameter("txnId"), content: content)
                return MatrixResponse(json: ["event_id": .string(eventId)])
            },
            Route(.put, "/_matrix/client/v3/rooms/{roomId}/state/{eventType}", rateLimit: .message) { call in
                try await setState(call, stateKey: "")
            },
            Route(.put, "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}", rateLimit: .message) { call in
                try await setState(call, stateKey: call.parameter("stateKey"))
            },
            Route(.put, "/_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}", rateLimit: .message) { call in
                let body = try call.optionalJSONObject()
                let eventId = try await rooms.redact(
                    try call.user, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    txnId: call.parameter("txnId"), reason: try body.string("reason"))
                return MatrixResponse(json: ["event_id": .string(eventId)])
            },
        ]
    }

    private func setState(_ call: HTTPCall, stateKey: String) async throws -> MatrixResponse {
        let content = try call.jsonObject().object
        let eventId = try await services.rooms.setState(
            try call.user, roomId: call.parameter("roomId"), type: call.parameter("eventType"), stateKey: stateKey,
            content: content)
        return MatrixResponse(json: ["event_id": .string(eventId)])
    }
}
