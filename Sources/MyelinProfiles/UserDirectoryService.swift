import MatrixCore
import MyelinAccounts
import MyelinStorage

/// How wide the user directory looks.
public struct UserDirectorySettings: Sendable, Equatable {
    /// Every active local user is found, not only those sharing a room with the searcher or joined to a
    /// public room (`user_directory.search_all_users`).
    public var searchAllUsers: Bool

    public init(searchAllUsers: Bool = false) {
        self.searchAllUsers = searchAllUsers
    }
}

/// One page of `POST /user_directory/search`.
public struct UserDirectoryResults: Sendable, Equatable {
    public struct User: Sendable, Equatable {
        public let userId: String
        public let displayname: String?
        public let avatarURL: String?
    }

    public let results: [User]
    /// More users matched than were returned.
    public let limited: Bool

    public var json: JSONObject {
        [
            "results": .array(results.map { user in
                var entry: JSONObject = ["user_id": .string(user.userId)]
                if let name = user.displayname { entry["display_name"] = .string(name) }
                if let url = user.avatarURL { entry["avatar_url"] = .string(url) }
                return .object(entry)
            }),
            "limited": .bool(limited),
        ]
    }
}

/// The user directory (client-server API, "User Directory"): this server's active users, matched
/// case-insensitively by word prefix on localpart and displayname (as Synapse), among those the
/// searcher shares a room with or who are joined to a room with a public join rule or world-readable
/// history; all of them with `search_all_users`. Other servers' users are not searched yet.
public struct UserDirectoryService: Sendable {
    /// Synapse caps the limit at 50.
    public static let maxLimit = 50
    public static let defaultLimit = 10

    let store: UserDirectoryStore
    let settings: UserDirectorySettings
    let serverName: String

    public init(database: MyelinDatabase, serverName: String, settings: UserDirectorySettings = .init()) {
        self.store = UserDirectoryStore(database: database, serverName: serverName)
        self.settings = settings
        self.serverName = serverName
    }

    public func search(_ requester: Requester, term: String, limit: Int64?) async throws -> UserDirectoryResults {
        if requester.isGuest { throw MatrixError.guestAccessForbidden() }
        let limit = Int(max(0, min(limit ?? Int64(Self.defaultLimit), Int64(Self.maxLimit))))
        let words = DirectoryWords.words(term)
        // A whole user ID of this server finds that user by localpart.
        var exact: String? = nil
        if term.hasPrefix("@"), let user = try? UserID(parsing: term), user.serverName == serverName {
            exact = user.localpart
        }
        if words.isEmpty && exact == nil { return UserDirectoryResults(results: [], limited: false) }
        let found = try await store.search(DirectoryQuery(
            words: words, exactLocalpart: exact, requester: requester.userId, everyone: settings.searchAllUsers,
            limit: limit))
        return UserDirectoryResults(
            results: found.prefix(limit).map {
                .init(userId: "@\($0.localpart):\(serverName)", displayname: $0.displayname, avatarURL: $0.avatarURL)
            },
            limited: found.count > limit)
    }
}
