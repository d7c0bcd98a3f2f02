import MatrixCore

/// Third-party identifiers (email addresses, phone numbers) on accounts. Myelin sends no email or SMS and
/// binds nothing at identity servers, so accounts have none (`m.3pid_changes` is false in /capabilities):
/// the list is empty, validation tokens are refused with 400 `M_THREEPID_MEDIUM_NOT_SUPPORTED` (the
/// spec's code for a medium the server does not support), changes with 403 `M_FORBIDDEN`, and an unbind
/// answers `no-support` as deactivation does, there being no binding to undo.
struct ThirdPartyIdentifierRoutes {
    var routes: [Route] {
        let account = "/_matrix/client/v3/account/3pid"
        let requestTokenPaths = [
            "/_matrix/client/v3/register/email/requestToken", "/_matrix/client/v3/register/msisdn/requestToken",
            "/_matrix/client/v3/account/password/email/requestToken",
            "/_matrix/client/v3/account/password/msisdn/requestToken",
            account + "/email/requestToken", account + "/msisdn/requestToken",
        ]
        let requestTokens = requestTokenPaths.map { path in
            Route(.post, path, auth: .none, rateLimit: .registration) { call in
                _ = try call.jsonObject()
                throw MatrixError("M_THREEPID_MEDIUM_NOT_SUPPORTED",
                                  "This server sends no email or SMS and does not use third-party identifiers",
                                  status: 400)
            }
        }
        let changes = [account, account + "/add", account + "/bind", account + "/delete"].map { path in
            Route(.post, path) { call in
                _ = try call.user
                throw MatrixError.forbidden("Third-party identifiers cannot be changed on this server")
            }
        }
        return requestTokens + changes + [
            Route(.get, account) { call in
                _ = try call.user
                return MatrixResponse(json: ["threepids": .array([])])
            },
            Route(.post, account + "/unbind") { call in
                _ = try call.user
                let body = try call.jsonObject()
                _ = try body.requiredString("medium")
                _ = try body.requiredString("address")
                return MatrixResponse(json: ["id_server_unbind_result": "no-support"])
            },
        ]
    }
}
