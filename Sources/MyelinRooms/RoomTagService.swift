import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Room tags (`/user/{userId}/rooms/{roomId}/tags`): kept as the room's `m.tag` account data, so they
/// reach clients through sync's per-room `account_data` like any other account data write.
public struct RoomTagService: Sendable {
    let rooms: RoomService
    let accountData: AccountDataStore

    public init(rooms: RoomService, accounts: AccountsContext) {
        self.rooms = rooms
        self.accountData = accounts.accountData
    }

    /// The user's tags on the room (`{}` when none); no membership needed, as Synapse answers.
    public func tags(_ requester: Requester, targetUserId: String, roomId: String) async throws -> JSONObject {
        try Self.check(requester, targetUserId, roomId, verb: "get")
        let stored = try await accountData.get(userNid: requester.userNid, roomId: roomId, type: RoomTags.type)
        return RoomTags(stored: stored.flatMap { try? JSONParser.parse($0) }).tags
    }

    /// Adds or replaces a tag. The user must have some membership in the room (joined, invited, left,
    /// ...; 403 `M_FORBIDDEN` otherwise, as Synapse: tags on rooms one never saw are noise).
    public func setTag(_ requester: Requester, targetUserId: String, roomId: String, tag: String,
                       content: JSONObject) async throws {
        try Self.check(requester, targetUserId, roomId, verb: "add")
        try RoomTags.checkName(tag)
        try RoomTags.checkTag(content)
        guard let room = try await rooms.store.room(id: roomId),
            try await rooms.store.membership(roomNid: room.nid, userId: requester.userId) != nil
        else { throw MatrixError.forbidden("User \(requester.userId) has no membership in room \(roomId)") }
        try await write(requester, roomId: roomId) { tags in tags.set(tag, content) }
    }

    /// Removes a tag; removing one the room does not have succeeds, as in Synapse.
    public func removeTag(_ requester: Requester, targetUserId: String, roomId: String, tag: String) async throws {
        try Self.check(requester, targetUserId, roomId, verb: "remove")
        try await write(requester, roomId: roomId) { tags in tags.remove(tag) }
    }

    /// One read-modify-write of the `m.tag` entry; nothing is written (and no one woken) when the tags
    /// stay the same. The store announces the write to waiting syncs.
    private func write(_ requester: Requester, roomId: String, _ change: @escaping @Sendable (inout RoomTags) -> Void)
        async throws
    {
        do {
            try await update(requester, roomId: roomId, change)
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
    }

    private func update(_ requester: Requester, roomId: String, _ change: @escaping @Sendable (inout RoomTags) -> Void)
        async throws
    {
        try await accountData.update(userNid: requester.userNid, roomId: roomId, type: RoomTags.type) {
            stored in
            let current = stored.flatMap { try? JSONParser.parse($0) }
            var tags = RoomTags(stored: current)
            change(&tags)
            // Stored content of another shape (written through the account data API) is replaced;
            // removing a tag from a room that never had any writes nothing.
            let unchanged = current.map { $0 == .object(tags.content) } ?? tags.tags.isEmpty
            if unchanged { return nil }
            return CanonicalJSON.encodeLenient(.object(tags.content))
        }
    }

    private static func check(_ requester: Requester, _ target: String, _ roomId: String, verb: String) throws {
        guard target == requester.userId else { throw MatrixError.forbidden("Cannot \(verb) tags for other users") }
        do {
            try IdentifierGrammar.checkRoomId(roomId)
        } catch {
            throw MatrixError.invalidParam("\"\(roomId)\" is not a valid room ID: \(error.description)")
        }
    }
}
