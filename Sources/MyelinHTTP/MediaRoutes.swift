import MatrixCore
import MyelinMedia

/// The content repository: uploads under `/_matrix/media` (v3 upload, v1 create), authenticated downloads
/// under `/_matrix/client/v1/media`, and the deprecated unauthenticated `/_matrix/media/v3` downloads
/// (which a freeze limits to media uploaded before it). Thumbnail routes exist only with a thumbnailer.
struct MediaRoutes {
    let services: MatrixServices

    /// The spec's recommended policy, plus `media-src 'self'` (as Synapse sends) so media documents can play.
    static let contentSecurityPolicy = "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; "
        + "style-src 'unsafe-inline'; media-src 'self'; object-src 'self';"

    var media: MediaService { services.media }

    var routes: [Route] {
        let uploadLimit = media.maxUploadBytes
        var routes = [
            Route(.post, "/_matrix/media/v3/upload", maxBodyBytes: uploadLimit, streamsBody: true) { call in try await upload(call) },
            Route(.put, "/_matrix/media/v3/upload/{serverName}/{mediaId}", maxBodyBytes: uploadLimit,
                  streamsBody: true) { call in
                try await uploadPending(call)
            },
            Route(.post, "/_matrix/media/v1/create") { call in try await create(call) },
            Route(.get, "/_matrix/client/v1/media/config") { _ in config() },
            Route(.get, "/_matrix/media/v3/config") { _ in config() },
            Route(.get, "/_matrix/client/v1/media/download/{serverName}/{mediaId}") { call in
                try await download(call, access: .authenticated, fileName: nil)
            },
            Route(.get, "/_matrix/client/v1/media/download/{serverName}/{mediaId}/{fileName}") { call in
                try await download(call, access: .authenticated, fileName: call.parameter("fileName"))
            },
            Route(.get, "/_matrix/media/v3/download/{serverName}/{mediaId}", auth: .none) { call in
                try await download(call, access: .legacy, fileName: nil)
            },
            Route(.get, "/_matrix/media/v3/download/{serverName}/{mediaId}/{fileName}", auth: .none) { call in
                try await download(call, access: .legacy, fileName: call.parameter("fileName"))
            },
        ]
        if media.thumbnailer != nil {
            routes += [
                Route(.get, "/_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}") { call in
                    try await thumbnail(call, access: .authenticated)
                },
                Route(.get, "/_matrix/media/v3/thumbnail/{serverName}/{mediaId}", auth: .none) { call in
                    try await thumbnail(call, access: .legacy)
                },
            ]
        }
        return routes
    }

    func upload(_ call: HTTPCall) async throws -> MatrixResponse {
        let user = try call.user
        let body = try call.streamedBody()
        let uri = try await media.upload(ownerNid: user.userNid, contentType: call.headers[.contentType],
                                         fileName: call.query["filename"], declaredLength: body.declaredLength,
                                         chunks: body)
        return MatrixResponse(json: ["content_uri": .string(uri.description)])
    }

    func create(_ call: HTTPCall) async throws -> MatrixResponse {
        let created = try await media.create(ownerNid: try call.user.userNid)
        return MatrixResponse(json: [
            "content_uri": .string(created.uri.description), "unused_expires_at": .int(created.unusedExpiresAt),
        ])
    }

    func uploadPending(_ call: HTTPCall) async throws -> MatrixResponse {
        let user = try call.user
        let body = try call.streamedBody()
        try await media.uploadPending(
            ownerNid: user.userNid, serverName: call.parameter("serverName"), mediaId: call.parameter("mediaId"),
            contentType: call.headers[.contentType], fileName: call.query["filename"], declaredLength: body.declaredLength,
            chunks: body)
        return .empty
    }

    func config() -> MatrixResponse {
        MatrixResponse(json: ["m.upload.size": .int(Int64(media.maxUploadBytes))])
    }

    func download(_ call: HTTPCall, access: MediaAccess, fileName: String?) async throws -> MatrixResponse {
        let serverName = call.parameter("serverName")
        try refuseRemoteIfAsked(call, serverName: serverName)
        let download = try await media.download(
            serverName: serverName, mediaId: call.parameter("mediaId"), fileName: fileName, access: access,
            timeoutMs: try Self.integer(call, "timeout_ms"))
        return Self.response(download)
    }

    func thumbnail(_ call: HTTPCall, access: MediaAccess) async throws -> MatrixResponse {
        let serverName = call.parameter("serverName")
        try refuseRemoteIfAsked(call, serverName: serverName)
        guard let width = try Self.integer(call, "width"), let height = try Self.integer(call, "height") else {
            throw MatrixError.missingParam("width and height are required")
        }
        let method: ThumbnailMethod
        switch call.query["method"] {
        case nil: method = .scale
        case let name?:
            guard let parsed = ThumbnailMethod(rawValue: name) else {
                throw MatrixError.invalidParam("method must be \"crop\" or \"scale\"")
            }
            method = parsed
        }
        let download = try await media.thumbnail(
            serverName: serverName, mediaId: call.parameter("mediaId"), width: width, height: height, method: method,
            animated: try Self.boolean(call, "animated") ?? false, access: access,
            timeoutMs: try Self.integer(call, "timeout_ms"))
        return Self.response(download)
    }

    /// `allow_remote=false` (legacy routes): a server must not fetch remote media, so it is not found.
    private func refuseRemoteIfAsked(_ call: HTTPCall, serverName: String) throws {
        if try Self.boolean(call, "allow_remote") == false, serverName != services.settings.serverName {
            throw MatrixError.notFound("Remote media was not requested (allow_remote=false)")
        }
    }

    static func response(_ download: MediaDownload) -> MatrixResponse {
        MatrixResponse(
            streamed: .file(download.file), contentType: download.contentType,
            headers: [
                ("Content-Disposition", download.contentDisposition),
                ("Content-Security-Policy", contentSecurityPolicy),
                ("Cross-Origin-Resource-Policy", "cross-origin"),
                ("X-Content-Type-Options", "nosniff"),
            ])
    }

    static func integer(_ call: HTTPCall, _ name: String) throws -> Int? {
        guard let text = call.query[name] else { return nil }
        guard let value = Int(text) else { throw MatrixError.invalidParam("\(name) must be an integer") }
        return value
    }

    static func boolean(_ call: HTTPCall, _ name: String) throws -> Bool? {
        switch call.query[name] {
        case nil: return nil
        case "true": return true
        case "false": return false
        default: throw MatrixError.invalidParam("\(name) must be true or false")
        }
    }
}
