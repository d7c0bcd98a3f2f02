import MatrixCore
import MyelinProfiles

/// `POST /user_directory/search`.
struct UserDirectoryRoutes {
    let services: MatrixServices

    var routes: [Route] {
        let directory = services.userDirectory
        return [
            Route(.post, "/_matrix/client/v3/user_directory/search") { call in
                let requester = try call.user
                let body = try call.jsonObject()
                let results = try await directory.search(requester, term: try body.requiredString("search_term"),
                                                         limit: try body.int("limit"))
                return MatrixResponse(json: .object(results.json))
            },
        ]
    }
}
