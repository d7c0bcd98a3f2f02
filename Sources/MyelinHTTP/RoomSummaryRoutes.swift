import MatrixCore

/// `GET /room_summary/{roomIdOrAlias}` (client-server API v1, spec v1.15), with MSC3266's unstable paths
/// that Synapse still serves and clients call on servers older than v1.15. Callers without a token may ask
/// about public rooms, as the spec allows.
struct RoomSummaryRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v1/room_summary/{roomIdOrAlias}", aliases: [
                "/_matrix/client/unstable/im.nheko.summary/summary/{roomIdOrAlias}",
                "/_matrix/client/unstable/im.nheko.summary/rooms/{roomIdOrAlias}/summary",
            ], auth: .optional) { call in
                MatrixResponse(json: .object(try await services.rooms.roomSummary(
                    call.requester, roomIdOrAlias: call.parameter("roomIdOrAlias"))))
            },
        ]
    }
}
