import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `GET /room_summary/{roomIdOrAlias}` (spec v1.15): a room's summary for someone deciding whether to
/// join it, from the rooms this server holds. Asking other servers (`via`) for rooms it does not hold
/// is not done yet; those are 404, as are rooms the caller may not preview.
extension RoomService {
    /// - Parameter requester: nil for an unauthenticated caller, who sees only rooms with a public, knock
    ///   or knock_restricted join rule or world-readable history (the spec's condition); a user sees what
    ///   the space hierarchy would show them (joined, invited, joinable, knockable or world-readable).
    public func roomSummary(_ requester: Requester?, roomIdOrAlias: String) async throws -> JSONObject {
        let notFound = MatrixError.notFound("Room not found or not visible to you")
        let roomId: String
        if roomIdOrAlias.hasPrefix("#") {
            guard let resolved = try? await resolveAlias(roomIdOrAlias) else { throw notFound }
            roomId = resolved.roomId
        } else {
            guard roomIdOrAlias.hasPrefix("!") else {
                throw MatrixError.invalidParam("\(roomIdOrAlias) is neither a room ID nor a room alias")
            }
            roomId = roomIdOrAlias
        }
        // The empty user ID has no membership anywhere: the anonymous caller gets the public conditions.
        guard let room = try await store.room(id: roomId), room.currentSnapshot != nil,
            try await isPeekableOrJoinable(room, by: requester?.userId ?? "")
        else { throw notFound }
        var json = try await summary(room).summaryJSON
        if let requester { json["membership"] = .string(try await membership(room, requester.userId).rawValue) }
        return json
    }
}
