import MatrixCore
import MyelinSync

/// `GET /sync`.
struct SyncRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/sync") { call in
                let requester = try call.user
                var since: SyncToken? = nil
                if let text = call.query["since"] { since = try SyncToken(parsing: text) }
                var timeout = Duration.zero
                if let text = call.query["timeout"] {
                    guard let ms = Int64(text), ms >= 0 else {
                        throw MatrixError.invalidParam("timeout must be a non-negative integer of milliseconds")
                    }
                    timeout = .milliseconds(ms)
                }
                let fullState: Bool
                switch call.query["full_state"] {
                case nil, "false": fullState = false
                case "true": fullState = true
                default: throw MatrixError.invalidParam("full_state must be true or false")
                }
                if let presence = call.query["set_presence"], !["online", "offline", "unavailable"].contains(presence) {
                    throw MatrixError.invalidParam("set_presence must be online, offline or unavailable")
                }
                let request = try SyncRequest(
                    since: since, timeout: timeout, fullState: fullState,
                    filter: try await services.filters.syncFilter(userNid: requester.userNid,
                                                                  parameter: call.query["filter"]),
                    setPresence: call.query["set_presence"] ?? "online")
                let sync = services.sync
                return MatrixResponse(json: .object(try await call.untilClientGone { try await sync.sync(requester, request) }))
            },
        ]
    }
}
