import MatrixCore

/// The body of creating or updating a backup version: `algorithm` and the `auth_data` object (kept as the
/// client sent it), and on update an optional `version` that must match the path.
struct BackupVersionBody: Sendable {
    let algorithm: String
    let authData: JSONObject
    let version: String?

    init(_ body: JSONValue) throws(MatrixError) {
        guard case .object(let object) = body else {
            throw MatrixError.badJSON("The request body must be a JSON object")
        }
        switch object["algorithm"] {
        case nil, .null?: throw MatrixError.missingParam("'algorithm' is required")
        case .string(let algorithm)?:
            guard !algorithm.isEmpty else { throw MatrixError.invalidParam("'algorithm' must not be empty") }
            self.algorithm = algorithm
        case let other?: throw MatrixError.badJSON("'algorithm' must be a string, not \(other.typeName)")
        }
        switch object["auth_data"] {
        case nil, .null?: throw MatrixError.missingParam("'auth_data' is required")
        case .object(let authData)?: self.authData = authData
        case let other?: throw MatrixError.badJSON("'auth_data' must be an object, not \(other.typeName)")
        }
        switch object["version"] {
        case nil, .null?: self.version = nil
        case .string(let version)?: self.version = version
        case let other?: throw MatrixError.badJSON("'version' must be a string, not \(other.typeName)")
        }
    }
}
