import MatrixCore
import MyelinRooms
import MyelinStorage

/// Reading rooms: single events, state, members, `/messages`, `/context`, relations, threads and
/// `/timestamp_to_event`. Query parameters are checked here (400 `M_INVALID_PARAM`/`M_MISSING_PARAM`,
/// filters `M_NOT_JSON`/`M_BAD_JSON`); access and history visibility in the room service.
struct RoomReadRoutes {
    let services: MatrixServices

    /// Synapse's cap on page sizes.
    static let maxLimit = 1000

    var routes: [Route] {
        let rooms = services.rooms
        let v3 = "/_matrix/client/v3/rooms/{roomId}"
        let v1 = "/_matrix/client/v1/rooms/{roomId}"
        return [
            Route(.get, "\(v3)/event/{eventId}") { call in
                MatrixResponse(json: .object(try await rooms.event(
                    try call.user, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"))))
            },
            // Deprecated since r0 in favour of the route above; Synapse still serves it.
            Route(.get, "/_matrix/client/v3/events/{eventId}") { call in
                MatrixResponse(json: .object(try await rooms.event(try call.user, eventId: call.parameter("eventId"))))
            },
            Route(.get, "\(v3)/initialSync") { call in
                MatrixResponse(json: .object(try await rooms.initialSync(try call.user, roomId: call.parameter("roomId"))))
            },
            Route(.get, "\(v3)/state") { call in
                let events = try await rooms.state(try call.user, roomId: call.parameter("roomId"))
                return MatrixResponse(json: .array(events.map(JSONValue.object)))
            },
            Route(.get, "\(v3)/state/{eventType}") { call in
                try await stateEvent(call, stateKey: "")
            },
            Route(.get, "\(v3)/state/{eventType}/{stateKey}") { call in
                try await stateEvent(call, stateKey: call.parameter("stateKey"))
            },
            Route(.get, "\(v3)/members") { call in
                let events = try await rooms.members(
                    try call.user, roomId: call.parameter("roomId"), at: try Self.token(call, "at"),
                    membership: try Self.membership(call, "membership"),
                    notMembership: try Self.membership(call, "not_membership"))
                return MatrixResponse(json: ["chunk": .array(events.map(JSONValue.object))])
            },
            Route(.get, "\(v3)/joined_members") { call in
                let members = try await rooms.joinedMembers(try call.user, roomId: call.parameter("roomId"))
                let joined = JSONObject(uniqueKeysWithValues: members.map { ($0.key, JSONValue.object($0.value.json)) })
                return MatrixResponse(json: ["joined": .object(joined)])
            },
            Route(.get, "\(v3)/messages") { call in
                guard let direction = try Self.direction(call) else {
                    throw MatrixError.missingParam("Missing query parameter 'dir'")
                }
                let request = MessagesRequest(
                    from: try Self.token(call, "from"), to: try Self.token(call, "to"), direction: direction,
                    limit: try Self.limit(call, default: 10), filter: try Self.filter(call))
                let page = try await rooms.messages(try call.user, roomId: call.parameter("roomId"), request)
                return MatrixResponse(json: .object(page.json))
            },
            Route(.get, "\(v3)/context/{eventId}") { call in
                let context = try await rooms.context(
                    try call.user, roomId: call.parameter("roomId"), eventId: call.parameter("eventId"),
                    limit: try Self.limit(call, default: 10), filter: try Self.filter(call))
                return MatrixResponse(json: .object(context.json))
            },
            Route(.get, "\(v1)/relations/{eventId}") { call in
                try await relations(call, relType: nil, eventType: nil)
            },
            Route(.get, "\(v1)/relations/{eventId}/{relType}") { call in
                try await relations(call, relType: call.parameter("relType"), eventType: nil)
            },
            Route(.get, "\(v1)/relations/{eventId}/{relType}/{eventType}") { call in
                try await relations(call, relType: call.parameter("relType"), eventType: call.parameter("eventType"))
            },
            Route(.get, "\(v1)/threads") { call in
                let participated: Bool
                switch call.query["include"] {
                case nil, "all": participated = false
                case "participated": participated = true
                default: throw MatrixError.invalidParam("'include' must be 'all' or 'participated'")
                }
                let limit = try Self.limit(call, default: 5)
                guard limit > 0 else { throw MatrixError.invalidParam("'limit' must be greater than zero") }
                let page = try await rooms.threads(try call.user, roomId: call.parameter("roomId"),
                                                   participated: participated, from: try Self.token(call, "from"),
                                                   limit: limit)
                return MatrixResponse(json: .object(page.json))
            },
            Route(.get, "\(v1)/timestamp_to_event") { call in
                guard let text = call.query["ts"] else { throw MatrixError.missingParam("Missing query parameter 'ts'") }
                guard let ts = Int64(text) else { throw MatrixError.invalidParam("'ts' must be an integer") }
                guard let direction = try Self.direction(call) else {
                    throw MatrixError.missingParam("Missing query parameter 'dir'")
                }
                let match = try await rooms.eventAtTimestamp(try call.user, roomId: call.parameter("roomId"), ts: ts,
                                                             direction: direction)
                return MatrixResponse(json: .object(match.json))
            },
        ]
    }

    /// The content, or with `?format=event` the whole client-format event (Matrix 1.16).
    private func stateEvent(_ call: HTTPCall, stateKey: String) async throws -> MatrixResponse {
        let wholeEvent: Bool
        switch call.query["format"] {
        case nil, "content": wholeEvent = false
        case "event": wholeEvent = true
        default: throw MatrixError.invalidParam("'format' must be 'content' or 'event'")
        }
        let event = try await services.rooms.stateEvent(
            try call.user, roomId: call.parameter("roomId"), type: call.parameter("eventType"), stateKey: stateKey)
        return MatrixResponse(json: wholeEvent ? .object(event) : event["content"] ?? .object([:]))
    }

    private func relations(_ call: HTTPCall, relType: String?, eventType: String?) async throws -> MatrixResponse {
        let request = RelationsRequest(
            relType: relType, eventType: eventType, from: try Self.token(call, "from"), to: try Self.token(call, "to"),
            direction: try Self.direction(call) ?? .backward, limit: try Self.limit(call, default: 5),
            recurse: try Self.boolean(call, "recurse"))
        let page = try await services.rooms.relations(try call.user, roomId: call.parameter("roomId"),
                                                      eventId: call.parameter("eventId"), request)
        return MatrixResponse(json: .object(page.json))
    }

    // MARK: Query parameters

    static func direction(_ call: HTTPCall) throws -> TimelineDirection? {
        guard let text = call.query["dir"] else { return nil }
        guard let direction = TimelineDirection(rawValue: text) else {
            throw MatrixError.invalidParam("'dir' must be 'b' or 'f'")
        }
        return direction
    }

    /// A non-negative integer, capped at `maxLimit`.
    static func limit(_ call: HTTPCall, default defaultValue: Int) throws -> Int {
        guard let text = call.query["limit"] else { return defaultValue }
        guard let value = Int(text), value >= 0 else {
            throw MatrixError.invalidParam("'limit' must be a non-negative integer")
        }
        return min(value, maxLimit)
    }

    static func token(_ call: HTTPCall, _ name: String) throws -> PaginationToken? {
        guard let text = call.query[name], !text.isEmpty else { return nil }
        return try PaginationToken(parsing: text, parameter: name)
    }

    static func filter(_ call: HTTPCall) throws -> RoomEventFilter? {
        guard let text = call.query["filter"], !text.isEmpty else { return nil }
        return try RoomEventFilter(jsonText: text)
    }

    static func membership(_ call: HTTPCall, _ name: String) throws -> Membership? {
        guard let text = call.query[name] else { return nil }
        guard let membership = Membership(rawValue: text) else {
            throw MatrixError.invalidParam("'\(name)' must be one of join, invite, knock, leave, ban")
        }
        return membership
    }

    static func boolean(_ call: HTTPCall, _ name: String) throws -> Bool? {
        switch call.query[name] {
        case nil: return nil
        case "true": return true
        case "false": return false
        default: throw MatrixError.invalidParam("'\(name)' must be true or false")
        }
    }
}
