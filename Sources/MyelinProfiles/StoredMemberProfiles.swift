import MatrixCore
import MyelinRooms
import MyelinStorage

/// The room service's view of profiles: this server's active users' displayname and avatar_url.
public struct StoredMemberProfiles: MemberProfileLookup {
    let store: ProfileStore
    let serverName: String

    public init(store: ProfileStore, serverName: String) {
        self.store = store
        self.serverName = serverName
    }

    public func memberProfile(of userId: String) async throws -> MemberProfile? {
        guard let user = try? UserID(parsing: userId), user.serverName == serverName,
            let record = try await store.memberProfile(localpart: user.localpart)
        else { return nil }
        return MemberProfile(displayname: record.displayname, avatarURL: record.avatarURL)
    }
}
