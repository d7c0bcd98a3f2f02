import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `GET /rooms/{roomId}/initialSync`: one room's state and latest messages in one answer. Replaced by
/// /sync for members, but still how a client peeks into a world-readable room it is not in (no longer
/// deprecated since spec v1.14). Built from the same reads as `/state` and `/messages`, so what it
/// shows is what those would show the user.
extension RoomService {
    /// How many of the latest messages come back (Synapse's default).
    public static let initialSyncMessages = 20

    public func initialSync(_ requester: Requester, roomId: String, limit: Int = initialSyncMessages) async throws
        -> JSONObject
    {
        let room = try await room(roomId)
        let state = try await state(requester, roomId: roomId)
        let page = try await messages(requester, roomId: roomId,
                                      MessagesRequest(direction: .backward, limit: limit))
        // The chunk in the order events happened: `start` is the token before the oldest (to page back
        // with), `end` the token the page was read from (the room's end).
        var messages: JSONObject = [
            "chunk": .array(page.chunk.reversed().map(JSONValue.object)), "end": .string(page.start),
        ]
        if let earlier = page.end { messages["start"] = .string(earlier) }
        var accountData: [JSONValue] = []
        for entry in try await store.accountData.all(userNid: requester.userNid) where entry.roomId == roomId {
            guard case .object(let content)? = try? JSONParser.parse(entry.content) else { continue }
            accountData.append(["type": .string(entry.type), "content": .object(content)])
        }
        return [
            "room_id": .string(roomId),
            "membership": .string(try await membership(room, requester.userId).rawValue),
            "messages": .object(messages), "state": .array(state.map(JSONValue.object)),
            "visibility": room.directoryPublic ? "public" : "private",
            "account_data": .array(accountData),
        ]
    }
}
