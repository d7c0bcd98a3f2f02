import MatrixCore
import MyelinStorage

/// The resident side of membership changes by users of other servers (`make_join`, `make_leave`,
/// `make_knock`): the same checks a local user's change gets, then an unsigned template from the
/// pipeline for their server to sign and send back.
extension RoomService {
    public enum RemoteMembershipAction: Sendable {
        case join
        case leave
        case knock
    }

    /// The event template for `userId` (of another server) to change their membership. 404 for a room
    /// we are not in, 400 `M_INCOMPATIBLE_ROOM_VERSION` when their server does not support the room's
    /// version, 403 when the rules would refuse the change.
    public func remoteMembershipTemplate(roomId: String, userId: String, action: RemoteMembershipAction,
                                         supportedVersions: [String]) async throws -> (RoomVersion, JSONObject) {
        guard let room = try await store.room(id: roomId), try await hasLocalMember(room)
        else { throw MatrixError.notFound("This server is not in room \(roomId)") }
        let version = try version(of: room)
        if action != .leave, !supportedVersions.contains(version.identifier) {
            throw MatrixError("M_INCOMPATIBLE_ROOM_VERSION",
                              "Your server does not support room version \(version.identifier)", status: 400,
                              extra: ["room_version": .string(version.identifier)])
        }
        let situation = try await membershipSituation(room, sender: userId, target: userId)
        var content: JSONObject
        switch action {
        case .join:
            if situation.target == .ban { throw MatrixError.forbidden("\(userId) is banned from this room") }
            content = ["membership": "join"]
            try await checkJoin(userId, isGuest: false, room: room, situation, content: &content)
        case .knock:
            if situation.target == .ban { throw MatrixError.forbidden("\(userId) is banned from this room") }
            try Self.checkKnock(situation)
            content = ["membership": "knock"]
        case .leave:
            guard [.join, .invite, .knock].contains(situation.target) else {
                throw MatrixError.forbidden("\(userId) is not in room \(roomId)")
            }
            content = ["membership": "leave"]
        }
        let event = LocalEvent(type: "m.room.member", stateKey: userId, sender: userId, content: content)
        guard let template = try await pipeline.template(roomId: roomId, event) else {
            throw MatrixError.notFound("Unknown room \(roomId)")
        }
        return template
    }
}
