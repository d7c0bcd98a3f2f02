import MatrixCore

/// Membership changes that need another server: joining a room this server is not in. Federation
/// implements it (`make_join`/`send_join`); without federation such joins are 404.
public protocol RemoteMembership: Sendable {
    /// Joins `userId` to `roomId` through the first of `servers` that answers; returns the join event's ID
    /// once it is persisted here.
    func join(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String
}
