/// The HTTP layer's configuration (from the `[http]`, `[well_known]`, `[rate_limit]` and `[voip]` sections).
public struct HTTPSettings: Sendable {
    public var serverName: String
    public var maxBodyBytes: Int
    public var maxJSONDepth: Int
    /// `m.homeserver.base_url` of `/.well-known/matrix/client`; that endpoint 404s when nil.
    public var wellKnownClientBaseURL: String?
    /// `m.server` of `/.well-known/matrix/server`; that endpoint 404s when nil.
    public var wellKnownServer: String?
    /// `/.well-known/matrix/support` (spec v1.10): a help page and the admins' contacts (Matrix IDs or
    /// email addresses); that endpoint 404s when both are empty.
    public var supportPage: String?
    public var adminContacts: [String]
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    public var trustForwardedFor: Bool
    /// Log one line per request.
    public var logRequests: Bool
    public var rateLimits: RateLimitSettings
    /// Body sizes before authentication, the body memory budget, deadlines and connection caps.
    public var limits: RequestLimits
    /// The TURN servers of `/voip/turnServer`.
    public var turn: TURNSettings

    public init(serverName: String, maxBodyBytes: Int = 1 << 20, maxJSONDepth: Int = 64,
                wellKnownClientBaseURL: String? = nil, wellKnownServer: String? = nil, supportPage: String? = nil,
                adminContacts: [String] = [], trustForwardedFor: Bool = false,
                logRequests: Bool = true, rateLimits: RateLimitSettings = .init(), limits: RequestLimits = .init(), turn: TURNSettings = .init()) {
        self.serverName = serverName
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
        self.wellKnownClientBaseURL = wellKnownClientBaseURL
        self.wellKnownServer = wellKnownServer
        self.supportPage = supportPage
        self.adminContacts = adminContacts
        self.trustForwardedFor = trustForwardedFor
        self.logRequests = logRequests
        self.rateLimits = rateLimits
        self.limits = limits
        self.turn = turn
    }
}
