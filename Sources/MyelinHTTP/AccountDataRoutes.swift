import MatrixCore
import MyelinAccounts

/// `/user/{userId}/account_data/{type}` and the per-room variant.
struct AccountDataRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/user/{userId}/account_data/{type}") { call in
                try await get(call, roomId: nil)
            },
            Route(.put, "/_matrix/client/v3/user/{userId}/account_data/{type}", rateLimit: .accountData) { call in
                try await put(call, roomId: nil)
            },
            Route(.get, "/_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}") { call in
                try await get(call, roomId: call.parameter("roomId"))
            },
            Route(.put, "/_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}",
                  rateLimit: .accountData) { call in
                try await put(call, roomId: call.parameter("roomId"))
            },
        ]
    }

    func get(_ call: HTTPCall, roomId: String?) async throws -> MatrixResponse {
        let content = try await services.accountData.get(
            try call.user, targetUserId: call.parameter("userId"), roomId: roomId, type: call.parameter("type"))
        return MatrixResponse(jsonBytes: content)
    }

    func put(_ call: HTTPCall, roomId: String?) async throws -> MatrixResponse {
        let user = try call.user
        let content = try call.json()
        try await services.accountData.put(
            user, targetUserId: call.parameter("userId"), roomId: roomId, type: call.parameter("type"), content: content)
        return .empty
    }
}
