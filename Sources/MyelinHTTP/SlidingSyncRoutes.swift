import MatrixCore
import MyelinSync

/// Simplified sliding sync (MSC4186) at the unstable path Synapse serves and Element X calls.
struct SlidingSyncRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync") { call in
                let requester = try call.user
                let request = try SlidingSyncRequest(body: try call.optionalJSONObject().object, query: call.query)
                let slidingSync = services.slidingSync
                return MatrixResponse(json: .object(try await call.untilClientGone {
                    try await slidingSync.sync(requester, request)
                }))
            },
        ]
    }
}
