import MatrixCore

/// Membership changes that need another server: joining a room this server is not in. Federation
/// implements it (`make_join`/`send_join`); without federation such joins are 404.
public protocol RemoteMembership: Sendable {
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

    /// Asks the invitee's server to countersign an invite of one of its users (`/v2/invite`); returns the
    /// event with its signature added. Throws when that server refuses or cannot be reached.
    func countersignInvite(_ event: PDU, strippedState: [JSONObject]) async throws -> PDU
}

extension RemoteMembership {
    /// Default for implementations without invites: the invite stays local.
    public func countersignInvite(_ event: PDU, strippedState: [JSONObject]) async throws -> PDU { event }
}
