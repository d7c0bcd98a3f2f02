import MatrixCore

/// `/versions`, `.well-known` and `/capabilities`: what clients read before anything else.
struct DiscoveryRoutes {
    let services: MatrixServices

    /// The spec versions whose client-server surface this server implements. Raised as features land;
    /// a client uses this list to decide what it may call.
    static let specVersions = ["r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7"]

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/versions", auth: .none) { _ in
                MatrixResponse(json: [
                    "versions": .array(Self.specVersions.map(JSONValue.string)),
                    "unstable_features": .object([:]),
                ])
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
                _ = try call.user
                return MatrixResponse(json: [
                    "capabilities": [
                        "m.change_password": ["enabled": true],
                        // Every profile field may be changed (guests: their displayname only).
                        "m.profile_fields": ["enabled": true],
                        "m.set_displayname": ["enabled": true],
                        "m.set_avatar_url": ["enabled": true],
                        "m.3pid_changes": ["enabled": false],
                        "m.get_login_token": ["enabled": true],
                        "m.room_versions": [
                            "default": .string(services.rooms.settings.defaultRoomVersion.identifier),
                            "available": .object(JSONObject(uniqueKeysWithValues: (1...12).map {
                                (String($0), JSONValue.string("stable"))
                            })),
                        ],
                    ]
                ])
            },
        ]
    }
}
