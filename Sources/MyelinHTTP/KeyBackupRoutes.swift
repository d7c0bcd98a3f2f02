import MatrixCore
import MyelinKeyBackup

/// Server-side key backups: `/room_keys/version[/{version}]` and `/room_keys/keys[/{roomId}[/{sessionId}]]`.
struct KeyBackupRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let backup = services.keyBackup
        let versionPath = "/_matrix/client/v3/room_keys/version"
        return [
            Route(.post, versionPath, rateLimit: .keyBackup) { call in
                let version = try await backup.createVersion(try call.user, body: try call.json())
                return MatrixResponse(json: ["version": .string(version)])
            },
            Route(.get, versionPath) { call in
                MatrixResponse(json: try KeyBackupJSON.version(try await backup.version(try call.user, version: nil)))
            },
            Route(.get, versionPath + "/{version}") { call in
                MatrixResponse(json: try KeyBackupJSON.version(
                    try await backup.version(try call.user, version: call.parameter("version"))))
            },
            Route(.put, versionPath + "/{version}", rateLimit: .keyBackup) { call in
                try await backup.updateVersion(try call.user, version: call.parameter("version"), body: try call.json())
                return .empty
            },
            Route(.delete, versionPath + "/{version}") { call in
                try await backup.deleteVersion(try call.user, version: call.parameter("version"))
                return .empty
            },
        ] + keyRoutes("/_matrix/client/v3/room_keys/keys") { _ in .all }
            + keyRoutes("/_matrix/client/v3/room_keys/keys/{roomId}") { call in .room(call.parameter("roomId")) }
            + keyRoutes("/_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}") { call in
                .session(roomId: call.parameter("roomId"), sessionId: call.parameter("sessionId"))
            }
    }

    /// PUT, GET and DELETE of one level of `/room_keys/keys`.
    private func keyRoutes(_ path: String, scope: @escaping @Sendable (HTTPCall) -> RoomKeyScope) -> [Route] {
        let backup = services.keyBackup
        return [
            Route(.put, path, rateLimit: .keyBackup) { call in
                let counts = try await backup.putKeys(
                    try call.user, version: call.query["version"], scope: scope(call), body: try call.json())
                return MatrixResponse(json: KeyBackupJSON.counts(counts))
            },
            Route(.get, path) { call in
                MatrixResponse(json: try await backup.keys(try call.user, version: call.query["version"],
                                                           scope: scope(call)))
            },
            Route(.delete, path) { call in
                let counts = try await backup.deleteKeys(
                    try call.user, version: call.query["version"], scope: scope(call))
                return MatrixResponse(json: KeyBackupJSON.counts(counts))
            },
        ]
    }
}
