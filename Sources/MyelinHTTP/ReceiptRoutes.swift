import MatrixCore
import MyelinEphemeral

/// `POST /rooms/{roomId}/receipt/{receiptType}/{eventId}` and `POST /rooms/{roomId}/read_markers`.
struct ReceiptRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let receipts = services.ephemeral.receipts
        return [
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}") { call in
                let user = try call.user
                // The spec requires a body, but clients have long sent none; it only carries `thread_id`.
                let body = try call.optionalJSONObject()
                var threadId: String? = nil
                if let value = body["thread_id"] {
                    guard case .string(let text) = value else {
                        throw MatrixError.invalidParam("thread_id field must be a non-empty string")
                    }
                    threadId = text
                }
                try await receipts.sendReceipt(
                    user, roomId: call.parameter("roomId"), type: call.parameter("receiptType"),
                    eventId: call.parameter("eventId"), threadId: threadId)
                return .empty
            },
            Route(.post, "/_matrix/client/v3/rooms/{roomId}/read_markers") { call in
                let user = try call.user
                let body = try call.jsonObject()
                // Empty strings count as absent, as in Synapse; other keys are ignored (receipt types may grow).
                func eventId(_ key: String) throws -> String? {
                    guard let value = try body.string(key), !value.isEmpty else { return nil }
                    return value
                }
                try await receipts.setReadMarkers(
                    user, roomId: call.parameter("roomId"), fullyRead: try eventId("m.fully_read"),
                    read: try eventId("m.read"), readPrivate: try eventId("m.read.private"))
                return .empty
            },
        ]
    }
}
