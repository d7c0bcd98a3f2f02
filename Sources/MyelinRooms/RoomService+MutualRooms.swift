import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `GET /v1/mutual_rooms` (spec v1.19, Mutual Rooms module): the rooms the caller and another user are
/// both joined to. A person's rooms on a small server fit in one answer, so there is one batch and no
/// `next_batch`.
extension RoomService {
    public func mutualRooms(_ requester: Requester, with userId: String?, from: String?) async throws -> [String] {
        guard let userId else { throw MatrixError.missingParam("user_id is required") }
        guard (try? UserID(parsing: userId)) != nil else { throw MatrixError.invalidParam("user_id is not a user ID") }
        guard userId != requester.userId else { throw MatrixError.invalidParam("user_id is your own user ID") }
        // This server never hands out a `next_batch`, so any `from` is one it did not issue.
        guard from == nil else { throw MatrixError.invalidParam("Unknown from token") }
        // A user who does not exist shares no rooms: an empty list, as the spec asks.
        return try await store.mutualRooms(requester.userId, userId)
    }
}
