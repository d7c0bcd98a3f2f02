import MatrixCore
import MyelinSync

/// `GET /sync`, and the deprecated event stream and initial sync it replaced.
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
            Route(.get, "/_matrix/client/v3/events") { call in
                let requester = try call.user
                let from = try call.query["from"].map { text throws(MatrixError) in try SyncToken(parsing: text) }
                let timeout = Duration.milliseconds(try Self.count(call, "timeout", default: 30_000))
                let stream = LegacyEventStream(sync: services.sync)
                let roomId = call.query["room_id"]
                return MatrixResponse(json: .object(try await call.untilClientGone {
                    try await stream.events(requester, from: from, timeout: timeout, roomId: roomId)
                }))
            },
            Route(.get, "/_matrix/client/v3/initialSync") { call in
                let requester = try call.user
                let limit = Int(min(try Self.count(call, "limit", default: 20), 100))
                let archived = try Self.flag(call, "archived")
                return MatrixResponse(json: .object(try await LegacyEventStream(sync: services.sync).initialSync(
                    requester, limit: limit, archived: archived)))
            },
        ]
    }

    /// A non-negative integer query parameter.
    static func count(_ call: HTTPCall, _ name: String, default value: Int64) throws(MatrixError) -> Int64 {
        guard let text = call.query[name] else { return value }
        guard let number = Int64(text), number >= 0 else {
            throw MatrixError.invalidParam("\(name) must be a non-negative integer")
        }
        return number
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
