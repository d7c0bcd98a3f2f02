import MatrixCore
import MyelinStorage

/// Account data, global and per room (client-server API, "Client Config").
public struct AccountDataService: Sendable {
    let context: AccountsContext

    public init(context: AccountsContext) {
        self.context = context
    }

    /// Types the server manages itself; clients set them through their own endpoints.
    static let serverManagedGlobal: Set<String> = ["m.push_rules"]
    static let serverManagedRoom: Set<String> = ["m.fully_read", "m.push_rules"]

    public func put(_ requester: Requester, targetUserId: String, roomId: String?, type: String,
                    content: JSONValue) async throws {
        try checkOwner(requester, targetUserId, verb: "add")
        let roomId = try roomId.map(validateRoomId)
        try validateType(type)
        let managed = roomId == nil ? Self.serverManagedGlobal : Self.serverManagedRoom
        guard !managed.contains(type) else {
            throw MatrixError("M_BAD_JSON", "Cannot set \(type) through this API", status: 405)
        }
        guard case .object = content else { throw MatrixError.badJSON("Account data content must be a JSON object") }
        if roomId == nil, type == IgnoredUserList.type {
            _ = try IgnoredUserList(validating: content, owner: requester.userId)
        }
        do {
            try await context.accountData.put(
                userNid: requester.userNid, roomId: roomId, type: type, content: CanonicalJSON.encodeLenient(content))
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
    }

    /// The users `userNid` ignores: sync leaves out their non-state events and their invites.
    public func ignoredUsers(userNid: Int64) async throws -> Set<String> {
        try await context.accountData.ignoredUsers(userNid: userNid)
    }

    public func get(_ requester: Requester, targetUserId: String, roomId: String?, type: String) async throws
        -> [UInt8]
    {
        try checkOwner(requester, targetUserId, verb: "get")
        let roomId = try roomId.map(validateRoomId)
        guard let content = try await context.accountData.get(userNid: requester.userNid, roomId: roomId, type: type)
        else { throw MatrixError.notFound("Account data not found") }
        return content
    }

    private func checkOwner(_ requester: Requester, _ target: String, verb: String) throws {
        guard target == requester.userId else {
            throw MatrixError.forbidden("Cannot \(verb) account data for other users.")
        }
    }

    private func validateType(_ type: String) throws {
        guard !type.isEmpty, type.utf8.count <= 255 else {
            throw MatrixError.invalidParam("The account data type must be 1 to 255 bytes")
        }
    }

    /// A room ID is `!opaque:server` (v1-v11) or `!hash` (v12); either way it starts with '!'.
    private func validateRoomId(_ roomId: String) throws -> String {
        guard roomId.hasPrefix("!"), roomId.utf8.count > 1, roomId.utf8.count <= 255,
            roomId.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw MatrixError.invalidParam("\"\(roomId)\" is not a valid room ID") }
        return roomId
    }
}
