import MatrixCore

/// `/versions`, `.well-known` and `/capabilities`: what clients read before anything else.
struct DiscoveryRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            // Spec v1.10 lets clients send a token here so a server may answer per user. This answer is the
            // same for everyone, so a token is not even read: an expired or revoked one cannot turn the
            // first request a client makes into a 401.
            Route(.get, "/_matrix/client/versions", auth: .none) { _ in
                MatrixResponse(json: .object(ClientVersions.json))
            },
            // Served by default, as Synapse does with its default public_baseurl: the server name over HTTPS,
            // which is where a client that found this file will look anyway.
            Route(.get, "/.well-known/matrix/client", auth: .none) { _ in
                let base = services.settings.wellKnownClientBaseURL ?? "https://\(services.settings.serverName)/"
                return MatrixResponse(json: ["m.homeserver": ["base_url": .string(base)]])
            },
            Route(.get, "/.well-known/matrix/support", auth: .none) { _ in
                let settings = services.settings
                guard settings.supportPage != nil || !settings.adminContacts.isEmpty else {
                    throw MatrixError.notFound("No support information is configured")
                }
                var body: JSONObject = [:]
                if !settings.adminContacts.isEmpty {
                    body["contacts"] = .array(settings.adminContacts.map { contact in
                        [contact.hasPrefix("@") ? "matrix_id" : "email_address": .string(contact), "role": "m.role.admin"]
                    })
                }
                if let page = settings.supportPage { body["support_page"] = .string(page) }
                return MatrixResponse(json: .object(body))
            },
            Route(.get, "/.well-known/matrix/server", auth: .none) { _ in
                guard let server = services.settings.wellKnownServer else {
                    throw MatrixError.notFound("No server delegation is configured")
                }
                return MatrixResponse(json: ["m.server": .string(server)])
            },
            // Spec v1.15: a server without the OAuth 2.0 API answers 404 `M_UNRECOGNIZED` here, which tells
            // clients to use /login. MSC2965's unstable paths (Synapse serves both) say the same.
            Route(.get, "/_matrix/client/v1/auth_metadata", aliases: [
                "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata",
                "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer",
            ], auth: .none) { _ in
                throw MatrixError.unrecognized("This server does not offer the OAuth 2.0 API; log in with /login")
            },
            Route(.get, "/_matrix/client/v3/capabilities") { call in
                MatrixResponse(json: ["capabilities": .object(ClientCapabilities.json(
                    for: try call.user, defaultRoomVersion: services.rooms.settings.defaultRoomVersion.identifier))])
            },
        ]
    }
}
