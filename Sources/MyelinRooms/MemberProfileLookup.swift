/// The displayname and avatar_url a local user's member events carry.
public struct MemberProfile: Sendable, Equatable {
    public var displayname: String?
    public var avatarURL: String?

    public init(displayname: String?, avatarURL: String?) {
        self.displayname = displayname
        self.avatarURL = avatarURL
    }
}

/// Where the room service finds a user's profile for the member events it builds (the spec: servers
/// include displayname and avatar_url in their own users' member events). Profiles live above this
/// module; the server wiring hands the room service an implementation.
public protocol MemberProfileLookup: Sendable {
    /// Nil for users without a profile here (other servers' users, unknown or deactivated ones).
    func memberProfile(of userId: String) async throws -> MemberProfile?
}
