import MatrixCore
import MyelinMedia

/// `GET /media/preview_url` (authenticated v1 and the legacy v3 path), present only when previews are on.
struct URLPreviewRoutes {
    let preview: URLPreviewService

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v1/media/preview_url", handler: handle),
            Route(.get, "/_matrix/media/v3/preview_url", handler: handle),
        ]
    }

    func handle(_ call: HTTPCall) async throws -> MatrixResponse {
        let user = try call.user
        guard let url = call.query["url"], !url.isEmpty else {
            throw MatrixError.missingParam("The 'url' query parameter is required")
        }
        return MatrixResponse(json: .object(try await preview.preview(url: url, requesterNid: user.userNid)))
    }
}
