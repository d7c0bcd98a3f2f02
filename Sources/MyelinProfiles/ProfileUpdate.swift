/// A local user's new displayname and avatar_url, after either changed.
public struct ProfileUpdate: Sendable, Equatable {
    public let userId: String
    public let displayname: String?
    public let avatarURL: String?

    public init(userId: String, displayname: String?, avatarURL: String?) {
        self.userId = userId
        self.displayname = displayname
        self.avatarURL = avatarURL
    }
}
