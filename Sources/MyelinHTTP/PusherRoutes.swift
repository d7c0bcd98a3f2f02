/// `GET /pushers`: the caller's pushers. Myelin does not send push notifications yet (`POST /pushers/set`
/// is not served), so there are none; Element Web lists them on its notification settings page.
struct PusherRoutes {
    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/pushers") { call in
                _ = try call.user
                return MatrixResponse(json: ["pushers": .array([])])
            },
        ]
    }
}
