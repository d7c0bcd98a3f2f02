import MatrixCore

/// `POST /user/{userId}/filter` and `GET /user/{userId}/filter/{filterId}`.
struct FilterRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/user/{userId}/filter", rateLimit: .filter) { call in
                let id = try await services.filters.create(
                    try call.user, targetUserId: call.parameter("userId"), body: try call.jsonObject().object)
                return MatrixResponse(json: ["filter_id": .string(id)])
            },
            Route(.get, "/_matrix/client/v3/user/{userId}/filter/{filterId}") { call in
                MatrixResponse(jsonBytes: try await services.filters.get(
                    try call.user, targetUserId: call.parameter("userId"), filterId: call.parameter("filterId")))
            },
        ]
    }
}
