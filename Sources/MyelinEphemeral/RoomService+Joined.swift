import MatrixCore
import MyelinRooms
import MyelinStorage

extension RoomService {
    /// The room, when `userId` is joined to it; otherwise 403 `M_FORBIDDEN`, for an unknown room too
    /// (not being in the room is the refusal, as in Synapse, and it does not reveal which rooms exist).
    func joinedRoom(_ roomId: String, _ userId: String) async throws -> RoomRecord {
        guard let room = try await store.room(id: roomId), try await membership(room, userId) == .join else {
            throw MatrixError.forbidden("User \(userId) is not in room \(roomId)")
        }
        return room
    }
}
