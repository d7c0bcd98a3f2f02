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
                let fullState = try Self.flag(call, "full_state")
                let useStateAfter = try Self.flag(call, "use_state_after")
                if let presence = call.query["set_presence"], !["online", "offline", "unavailable"].contains(presence) {
                    throw MatrixError.invalidParam("set_presence must be online, offline or unavailable")
                }
                let request = try SyncRequest(
                    since: since, timeout: timeout, fullState: fullState,
                    filter: try await services.filters.syncFilter(userNid: requester.userNid,
                                                                  parameter: call.query["filter"]),
                    setPresence: call.query["set_presence"] ?? "online", useStateAfter: useStateAfter)
                let sync = services.sync
                return MatrixResponse(json: .object(try await call.untilClientGone { try await sync.sync(requester, request) }))
            },
        ]
    }

    /// A boolean query parameter: absent is false.
    static func flag(_ call: HTTPCall, _ name: String) throws(MatrixError) -> Bool {
        switch call.query[name] {
        case nil, "false": return false
        case "true": return true
        default: throw MatrixError.invalidParam("\(name) must be true or false")
        }
    }
}
