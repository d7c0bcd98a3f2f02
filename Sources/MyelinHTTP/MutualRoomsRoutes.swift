import MatrixCore

/// `GET /v1/mutual_rooms` (spec v1.19); also under `unstable` as Synapse serves it
/// (`uk.half-shot.msc2666.query_mutual_rooms.stable` in /versions).
struct MutualRoomsRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v1/mutual_rooms") { call in
                let rooms = try await services.rooms.mutualRooms(try call.user, with: call.query["user_id"],
                                                                 from: call.query["from"])
                return MatrixResponse(json: [
                    "joined": .array(rooms.map(JSONValue.string)), "count": .int(Int64(rooms.count)),
                ])
            },
        ]
    }
}
