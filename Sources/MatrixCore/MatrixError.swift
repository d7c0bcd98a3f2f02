/// A Matrix error as the client-server API returns it: an errcode, a message and the HTTP status the
/// spec pairs with it, plus any extra members (`retry_after_ms`, `soft_logout`, UIA flows).
public struct MatrixError: Error, Sendable, CustomStringConvertible {
    public let errcode: String
    public let message: String
    public let status: Int
    public var extra: JSONObject

    public init(_ errcode: String, _ message: String, status: Int, extra: JSONObject = [:]) {
        self.errcode = errcode
        self.message = message
        self.status = status
        self.extra = extra
    }

    public var description: String { "\(status) \(errcode): \(message)" }

    /// The 401 of user-interactive auth that only says what is left to do: the spec gives it no errcode.
    public static func authChallenge(extra: JSONObject) -> MatrixError {
        MatrixError("", "Additional authentication is required", status: 401, extra: extra)
    }

    public var body: JSONValue {
        var object = extra
        if errcode.isEmpty { return .object(object) }
        object["errcode"] = .string(errcode)
        object["error"] = .string(message)
        return .object(object)
    }

    public static func unrecognized(_ message: String = "Unrecognized request") -> MatrixError {
        MatrixError("M_UNRECOGNIZED", message, status: 404)
    }
    public static func methodNotAllowed() -> MatrixError {
        MatrixError("M_UNRECOGNIZED", "This endpoint does not accept that method", status: 405)
    }
    public static func notJSON(_ message: String) -> MatrixError { MatrixError("M_NOT_JSON", message, status: 400) }
    public static func badJSON(_ message: String) -> MatrixError { MatrixError("M_BAD_JSON", message, status: 400) }
    public static func missingParam(_ message: String) -> MatrixError { MatrixError("M_MISSING_PARAM", message, status: 400) }
    public static func invalidParam(_ message: String) -> MatrixError { MatrixError("M_INVALID_PARAM", message, status: 400) }
    public static func missingToken() -> MatrixError {
        MatrixError("M_MISSING_TOKEN", "Missing access token", status: 401)
    }
    public static func unknownToken(_ message: String = "Unknown access token", softLogout: Bool = false) -> MatrixError {
        MatrixError("M_UNKNOWN_TOKEN", message, status: 401, extra: ["soft_logout": .bool(softLogout)])
    }
    public static func forbidden(_ message: String) -> MatrixError { MatrixError("M_FORBIDDEN", message, status: 403) }
    public static func notFound(_ message: String) -> MatrixError { MatrixError("M_NOT_FOUND", message, status: 404) }
    public static func tooLarge(_ message: String) -> MatrixError { MatrixError("M_TOO_LARGE", message, status: 413) }
    public static func limitExceeded(retryAfterMs: Int64) -> MatrixError {
        MatrixError("M_LIMIT_EXCEEDED", "Too many requests", status: 429, extra: ["retry_after_ms": .int(retryAfterMs)])
    }
    public static func unknown(_ message: String) -> MatrixError { MatrixError("M_UNKNOWN", message, status: 400) }
    /// A sliding sync `pos` the server no longer (or never) knew: the client starts the connection again.
    public static func unknownPos(_ message: String = "Unknown position") -> MatrixError {
        MatrixError("M_UNKNOWN_POS", message, status: 400)
    }
    public static func userInUse() -> MatrixError { MatrixError("M_USER_IN_USE", "User ID already taken", status: 400) }
    public static func invalidUsername(_ message: String) -> MatrixError {
        MatrixError("M_INVALID_USERNAME", message, status: 400)
    }
    public static func userDeactivated() -> MatrixError {
        MatrixError("M_USER_DEACTIVATED", "This account has been deactivated", status: 403)
    }
    public static func guestAccessForbidden() -> MatrixError {
        MatrixError("M_GUEST_ACCESS_FORBIDDEN", "Guest access is not allowed here", status: 403)
    }
}
