import MatrixCore
import MyelinStorage

/// Joins under the `restricted` (v8+) and `knock_restricted` (v10+) join rules: a user joined to one
/// of the rooms the rule allows may join without an invite, and the join event names a member of the
/// room with the power to invite (`join_authorised_via_users_server`), whose server vouches for it.
extension RoomService {
    /// The rooms whose members the join rule lets in: its `allow` entries of type `m.room_membership`.
    /// Malformed entries are skipped, as Synapse does.
    static func allowedRoomIds(_ joinRules: PDU?) -> [String] {
        guard let entries = joinRules?.content["allow"]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let object = entry.objectValue, object["type"]?.stringValue == "m.room_membership" else { return nil }
            return object["room_id"]?.stringValue
        }
    }

    /// Checks that `userId` is joined to one of the allowed rooms (ones this server knows; rooms only
    /// other servers are in come with federation), then picks the authorising user: a joined local
    /// member who may invite, the most powerful, then the first by user ID so the choice is stable.
    func restrictedJoinAuthoriser(_ room: RoomRecord, userId: String, _ situation: MembershipSituation)
        async throws -> String
    {
        var belongs = false
        for roomId in Self.allowedRoomIds(situation.joinRules) {
            guard let allowed = try await store.room(id: roomId) else { continue }
            if try await membership(allowed, userId) == .join {
                belongs = true
                break
            }
        }
        guard belongs else {
            throw MatrixError.forbidden("You do not belong to any of the rooms or spaces this room requires to join it")
        }
        let levels = situation.powerLevels
        let candidates = try await store.members(roomNid: room.nid, membership: Membership.join.rawValue).keys
            .filter { isLocalUser($0) && levels.canInvite($0) }
        let chosen = candidates.sorted { first, second in
            let (a, b) = (levels.userLevel(first), levels.userLevel(second))
            return a != b ? a > b : first < second
        }.first
        guard let chosen else {
            throw MatrixError("M_UNABLE_TO_GRANT_JOIN", "No member of this server in the room can issue invites",
                              status: 400)
        }
        return chosen
    }
}
