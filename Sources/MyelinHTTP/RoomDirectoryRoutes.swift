import MatrixCore
import MyelinRooms

/// Room aliases, the published room directory and its listing.
struct RoomDirectoryRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let rooms = services.rooms
        return [
            Route(.put, "/_matrix/client/v3/directory/room/{roomAlias}", rateLimit: .directory) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let alias = try RoomService.parseAlias(call.parameter("roomAlias")).description
                let roomId = try call.jsonObject().requiredString("room_id")
                try await rooms.createAlias(requester, alias: alias, roomId: roomId)
                return .empty
            },
            Route(.get, "/_matrix/client/v3/directory/room/{roomAlias}", auth: .optional) { call in
                let resolved = try await rooms.resolveAlias(call.parameter("roomAlias"))
                return MatrixResponse(json: [
                    "room_id": .string(resolved.roomId), "servers": .array(resolved.servers.map(JSONValue.string)),
                ])
            },
            Route(.delete, "/_matrix/client/v3/directory/room/{roomAlias}") { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                try await rooms.deleteAlias(requester, alias: call.parameter("roomAlias"))
                return .empty
            },
            // MSC2432's unstable path: Synapse still serves it, and Element Web called it there.
            Route(.get, "/_matrix/client/v3/rooms/{roomId}/aliases",
                  aliases: ["/_matrix/client/unstable/org.matrix.msc2432/rooms/{roomId}/aliases"]) { call in
                let requester = try call.user
                guard !requester.isGuest else { throw MatrixError.guestAccessForbidden() }
                let aliases = try await rooms.localAliases(requester, roomId: call.parameter("roomId"))
                return MatrixResponse(json: ["aliases": .array(aliases.map(JSONValue.string))])
            },
            Route(.get, "/_matrix/client/v3/directory/list/room/{roomId}", auth: .optional) { call in
                let published = try await rooms.isPublished(roomId: call.parameter("roomId"))
                return MatrixResponse(json: ["visibility": published ? "public" : "private"])
            },
            Route(.put, "/_matrix/client/v3/directory/list/room/{roomId}", rateLimit: .directory) { call in
                let body = try call.optionalJSONObject()
                let visibility = try body.string("visibility") ?? "public"
                guard visibility == "public" || visibility == "private" else {
                    throw MatrixError.badJSON("visibility must be 'public' or 'private'")
                }
                try await rooms.setPublished(try call.user, roomId: call.parameter("roomId"),
                                             public: visibility == "public")
                return .empty
            },
            Route(.get, "/_matrix/client/v3/publicRooms", auth: .optional) { call in
                try checkServer(call)
                let query = PublicRoomsQuery(limit: try Self.integer(call.query["limit"], name: "limit"),
                                             since: call.query["since"])
                return MatrixResponse(json: .object(try await rooms.publicRooms(query).json))
            },
            Route(.post, "/_matrix/client/v3/publicRooms") { call in
                _ = try call.user
                try checkServer(call)
                let body = try call.optionalJSONObject()
                let filter = JSONBody(try body.objectValue("filter") ?? [:])
                let query = PublicRoomsQuery(
                    limit: try body.int("limit"), since: try body.string("since"),
                    searchTerm: try filter.string("generic_search_term"), roomTypes: try Self.roomTypes(filter),
                    thirdPartyInstanceId: try body.string("third_party_instance_id"),
                    includeAllNetworks: try body.bool("include_all_networks") ?? false)
                return MatrixResponse(json: .object(try await rooms.publicRooms(query).json))
            },
        ]
    }

    /// `server`: this server's directory only; another server's needs federation, which is not there yet
    /// (Synapse answers 502 when it cannot reach the server).
    private func checkServer(_ call: HTTPCall) throws {
        guard let server = call.query["server"], server != services.rooms.serverName else { return }
        guard (try? ServerName(parsing: server)) != nil else {
            throw MatrixError.invalidParam("server is not a valid server name")
        }
        throw MatrixError("M_UNKNOWN", "Failed to fetch the room list of \(server)", status: 502)
    }

    /// An integer query parameter: 400 `M_INVALID_PARAM` when it is not one.
    static func integer(_ text: String?, name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text) else { throw MatrixError.invalidParam("\(name) must be an integer") }
        return value
    }

    /// `filter.room_types`: strings and nulls (rooms without a type).
    static func roomTypes(_ filter: JSONBody) throws -> [String?]? {
        switch filter["room_types"] {
        case nil, .null?:
            return nil
        case .array(let items)?:
            return try items.map { item -> String? in
                switch item {
                case .null: return nil
                case .string(let type): return type
                default: throw MatrixError.badJSON("room_types must hold strings or null")
                }
            }
        case let other?:
            throw MatrixError.badJSON("room_types must be an array, not \(other.typeName)")
        }
    }
}
