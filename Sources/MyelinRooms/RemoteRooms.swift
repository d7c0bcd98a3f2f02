import MatrixCore

/// What rooms need other servers for: membership in rooms this server is not in (join, leave, knock),
/// invites of their users, their aliases, and history from before we joined. Federation implements it;
/// without federation such requests are 404.
public protocol RemoteRooms: Sendable {
    /// Joins `userId` to `roomId` through the first of `servers` that answers; returns the join event's ID
    /// once it is persisted here.
    func join(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String

    /// Leaves (or turns down an invite to, or withdraws a knock on) a room this server is not in, through
    /// the first of `servers` that answers (`make_leave`/`send_leave`).
    func leave(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String

    /// Knocks on a room of another server (`make_knock`/`send_knock`).
    func knock(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String

    /// Asks the alias's server which room it names (`/query/directory`).
    func resolveAlias(_ alias: String) async throws -> ResolvedAlias

    /// Asks servers in the room for events before `eventIds` (`/backfill`) and stores what they send as
    /// history (never as new events); returns how many events were new here.
    func backfill(roomId: String, from eventIds: [String], limit: Int, servers: [String]) async throws -> Int

    /// Asks the invitee's server to countersign an invite of one of its users (`/v2/invite`); returns the
    /// event with its signature added. Throws when that server refuses or cannot be reached.
    func countersignInvite(_ event: PDU, strippedState: [JSONObject]) async throws -> PDU
}

extension RemoteRooms {
    /// Default for implementations without invites: the invite stays local.
    public func countersignInvite(_ event: PDU, strippedState: [JSONObject]) async throws -> PDU { event }
}
