import MatrixCore
import MyelinStorage

/// Whether and how a user may read a room's state and history, as Synapse decides it
/// (`check_user_in_room_or_world_readable` with departed users allowed): members read the present,
/// users who left or were banned read the room as it was when they left (unless they forgot it),
/// and anyone, guests included, may peek into a `world_readable` room.
public enum RoomReadAccess: Sendable, Equatable {
    case joined
    /// Left or banned; `memberEventNid` is the member event that ended their membership.
    case departed(memberEventNid: Int64)
    /// Not a member, reading a `world_readable` room.
    case peeking

    /// Whether the user is joined now (history visibility's "joined at some point after" uses it).
    public var isJoined: Bool { self == .joined }
}

extension RoomService {
    /// The user's read access to the room, or 403 `M_FORBIDDEN`.
    public func readAccess(_ room: RoomRecord, _ userId: String) async throws -> RoomReadAccess {
        if let row = try await store.memberRow(roomNid: room.nid, userId: userId) {
            switch Membership(rawValue: row.membership) {
            case .join?:
                return .joined
            case .leave?, .ban?:
                if !row.forgotten { return .departed(memberEventNid: row.eventNid) }
            default:
                break
            }
        }
        if try await currentHistoryVisibility(room) == .worldReadable { return .peeking }
        throw MatrixError.forbidden("User \(userId) is not in room \(room.roomId)")
    }

    /// The history visibility of the room's current state.
    public func currentHistoryVisibility(_ room: RoomRecord) async throws -> HistoryVisibility {
        HistoryVisibility(content: try await currentStateEvent(room, type: "m.room.history_visibility")?.content)
    }

    /// The snapshot a reader with this access sees as "the state": current, or the state after the
    /// event that ended their membership.
    func stateSnapshot(_ room: RoomRecord, for access: RoomReadAccess) async throws -> Int64? {
        switch access {
        case .joined, .peeking:
            return room.currentSnapshot
        case .departed(let nid):
            guard let event = try await store.event(nid: nid) else {
                throw MatrixError.forbidden("Your membership event in \(room.roomId) is missing")
            }
            return event.stateAfter
        }
    }
}
