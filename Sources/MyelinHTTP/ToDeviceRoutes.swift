import MatrixCore
import MyelinE2EE

/// `PUT /sendToDevice/{eventType}/{txnId}`.
struct ToDeviceRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.put, "/_matrix/client/v3/sendToDevice/{eventType}/{txnId}") { call in
                let body = try call.jsonObject()
                try await services.toDevice.send(try call.user, type: call.parameter("eventType"),
                                                 txnId: call.parameter("txnId"), body: body.object)
                return .empty
            },
        ]
    }
}
