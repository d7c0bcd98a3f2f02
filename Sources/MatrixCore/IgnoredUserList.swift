/// The `m.ignored_user_list` global account data (client-server API, "Ignoring Users"): the users
/// whose non-state events and invites the owner no longer receives.
public struct IgnoredUserList: Sendable, Hashable {
    public static let type = "m.ignored_user_list"

    public let userIds: Set<String>

    public init(userIds: Set<String>) {
        self.userIds = userIds
    }

    /// Checks content a client stores, by the event schema: `ignored_users` (required) is an object
    /// whose members are user IDs mapped to objects (empty today). Anything else is 400 `M_BAD_JSON`;
    /// ignoring oneself is 400 `M_INVALID_PARAM`, as Synapse answers.
    public init(validating content: JSONValue, owner: String) throws(MatrixError) {
        guard case .object(let object) = content else {
            throw .badJSON("\(Self.type) content must be an object")
        }
        guard let ignored = object["ignored_users"] else {
            throw .badJSON("\(Self.type) needs an ignored_users object")
        }
        guard case .object(let users) = ignored else {
            throw .badJSON("ignored_users must be an object, not a \(ignored.typeName)")
        }
        var ids: Set<String> = []
        for (userId, value) in users {
            guard (try? UserID(parsing: userId, strict: false)) != nil else {
                throw .badJSON("ignored_users holds \"\(userId)\", which is not a valid user ID")
            }
            guard case .object = value else {
                throw .badJSON("ignored_users.\(userId) must be an object, not a \(value.typeName)")
            }
            ids.insert(userId)
        }
        if ids.contains(owner) { throw .invalidParam("You cannot ignore yourself") }
        self.userIds = ids
    }

    /// Reads stored content without refusing anything: what is not a user ID is skipped, and content
    /// of the wrong shape ignores no one (as Synapse reads it), so a read path never fails on it.
    public init(stored content: JSONValue?) {
        guard let users = content?["ignored_users"]?.objectValue else {
            self.userIds = []
            return
        }
        self.userIds = Set(users.keys.filter { $0.hasPrefix("@") })
    }
}
