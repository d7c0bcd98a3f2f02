import MatrixCore
import MyelinE2EE

/// `PUT /sendToDevice/{eventType}/{txnId}`.
struct ToDeviceRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            // No `rateLimit:` here: the per-sender limit is charged one token per message, which only the
            // body tells, so the handler takes it before any work is done.
            Route(.put, "/_matrix/client/v3/sendToDevice/{eventType}/{txnId}") { call in
                let body = try call.jsonObject()
                try await services.rateLimiter.consume(
                    .toDevice, user: try call.user.userId, address: call.remoteAddress,
                    cost: Double(ToDeviceService.messageCount(body.object)))
                try await services.toDevice.send(try call.user, type: call.parameter("eventType"),
                                                 txnId: call.parameter("txnId"), body: body.object)
                return .empty
            },
        ]
    }
}
