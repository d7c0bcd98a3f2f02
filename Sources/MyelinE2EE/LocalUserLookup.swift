import MatrixCore
import MyelinAccounts

/// Where a user ID named in a key request lives.
enum KeyOwner {
    case local(nid: Int64)
    /// A user ID of ours that has no account.
    case unknownLocal
    case remote(server: String)

    static func resolve(_ userId: String, context: AccountsContext) async throws -> KeyOwner {
        guard let parsed = try? UserID(parsing: userId) else {
            throw MatrixError.invalidParam("\"\(userId)\" is not a valid user ID")
        }
        guard parsed.serverName == context.settings.serverName else { return .remote(server: parsed.serverName) }
        guard let user = try await context.users.user(localpart: parsed.localpart) else { return .unknownLocal }
        return .local(nid: user.nid)
    }
}
