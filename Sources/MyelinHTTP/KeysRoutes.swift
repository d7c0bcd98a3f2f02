import MatrixCore
import MyelinE2EE
import MyelinSync

/// `/keys/upload`, `/keys/query`, `/keys/claim`, `/keys/changes`, `/keys/device_signing/upload`,
/// `/keys/signatures/upload`.
struct KeysRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.post, "/_matrix/client/v3/keys/upload", rateLimit: .keyUpload) { call in
                let body = try call.jsonObject()
                let counts = try await services.keys.upload(
                    try call.user, deviceKeys: Self.present(body["device_keys"]),
                    oneTimeKeys: Self.present(body["one_time_keys"]), fallbackKeys: Self.present(body["fallback_keys"]))
                let json = JSONObject(uniqueKeysWithValues: counts.map { ($0.key, JSONValue.int(Int64($0.value))) })
                return MatrixResponse(json: ["one_time_key_counts": .object(json)])
            },
            Route(.post, "/_matrix/client/v3/keys/query") { call in
                let body = try call.jsonObject()
                _ = try body.int("timeout")
                guard let wanted = try body.objectValue("device_keys") else {
                    throw MatrixError.missingParam("'device_keys' is required")
                }
                return MatrixResponse(json: .object(try await services.keys.query(try call.user, deviceKeys: wanted)))
            },
            Route(.post, "/_matrix/client/v3/keys/claim") { call in
                let body = try call.jsonObject()
                _ = try body.int("timeout")
                guard let wanted = try body.objectValue("one_time_keys") else {
                    throw MatrixError.missingParam("'one_time_keys' is required")
                }
                return MatrixResponse(json: .object(try await services.keys.claim(try call.user, oneTimeKeys: wanted)))
            },
            Route(.get, "/_matrix/client/v3/keys/changes") { call in
                guard let from = call.query["from"] else { throw MatrixError.missingParam("'from' is required") }
                guard let to = call.query["to"] else { throw MatrixError.missingParam("'to' is required") }
                let changes = try await services.sync.deviceListChanges(
                    try call.user, from: try SyncToken(parsing: from), to: try SyncToken(parsing: to))
                return MatrixResponse(json: [
                    "changed": .array(changes.changed.sorted().map(JSONValue.string)),
                    "left": .array(changes.left.sorted().map(JSONValue.string)),
                ])
            },
            Route(.post, "/_matrix/client/v3/keys/device_signing/upload", rateLimit: .keyUpload) { call in
                let body = try call.jsonObject()
                try await services.crossSigning.uploadKeys(
                    try call.user, master: Self.present(body["master_key"]),
                    selfSigning: Self.present(body["self_signing_key"]),
                    userSigning: Self.present(body["user_signing_key"]),
                    auth: try body.objectValue("auth").map(JSONValue.object))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/keys/signatures/upload", rateLimit: .keyUpload) { call in
                let body = try call.jsonObject()
                let failures = try await services.signatureUpload.upload(try call.user, signatures: body.object)
                return MatrixResponse(json: ["failures": .object(failures)])
            },
        ]
    }

    /// A field that is absent or null counts as not given.
    static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
