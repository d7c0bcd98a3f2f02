import MatrixCore
import MyelinStorage

/// `GET /admin/whois/{userId}`: a user's devices and where they were last seen.
extension AccountService {
    /// The spec lets servers restrict this to the user themself and server admins, as Synapse does
    /// (403 `M_FORBIDDEN` for anyone else); a user who is not of this server or does not exist is 404.
    public func whois(_ requester: Requester, userId: String) async throws -> [DeviceRecord] {
        guard requester.userId == userId || requester.isAdmin else {
            throw MatrixError.forbidden("Only server admins may look up other users")
        }
        guard let parsed = try? UserID(parsing: userId), parsed.serverName == context.settings.serverName,
            let user = try await context.users.user(localpart: parsed.localpart)
        else { throw MatrixError.notFound("No such user on this server") }
        return try await context.devices.devices(userNid: user.nid)
    }
}
