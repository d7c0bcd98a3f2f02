import MatrixCore

/// The client-server endpoints only application services may call (`/appservice/{appserviceId}/ping`,
/// `/directory/list/appservice/{networkId}/{roomId}`). Myelin registers no application services, so no
/// access token is an application service's: every caller is refused with 403 `M_FORBIDDEN`, the spec's
/// answer for a token that does not belong to the application service.
struct ApplicationServiceRoutes {
    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v1/appservice/{appserviceId}/ping") { call in
                throw Self.notAnApplicationService(call)
            },
            Route(.put, "/_matrix/client/v3/directory/list/appservice/{networkId}/{roomId}") { call in
                throw Self.notAnApplicationService(call)
            },
        ]
    }

    static func notAnApplicationService(_ call: HTTPCall) -> MatrixError {
        MatrixError.forbidden("Only application services may call this, and none are registered on this server")
    }
}
