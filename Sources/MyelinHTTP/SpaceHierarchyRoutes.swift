import MatrixCore
import MyelinRooms

/// `GET /rooms/{roomId}/hierarchy` (client-server API v1).
struct SpaceHierarchyRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v1/rooms/{roomId}/hierarchy") { call in
                let page = try await services.rooms.spaceHierarchy(
                    try call.user, roomId: call.parameter("roomId"),
                    suggestedOnly: try Self.boolean(call.query["suggested_only"], name: "suggested_only") ?? false,
                    limit: try RoomDirectoryRoutes.integer(call.query["limit"], name: "limit"),
                    maxDepth: try RoomDirectoryRoutes.integer(call.query["max_depth"], name: "max_depth"),
                    from: call.query["from"])
                return MatrixResponse(json: .object(page.json))
            },
        ]
    }

    /// A boolean query parameter, `true` or `false` (400 `M_INVALID_PARAM` otherwise, as Synapse).
    static func boolean(_ text: String?, name: String) throws -> Bool? {
        switch text {
        case nil: return nil
        case "true": return true
        case "false": return false
        default: throw MatrixError.invalidParam("\(name) must be true or false")
        }
    }
}
