import MatrixCore
import MyelinRooms
import MyelinStorage

/// Server ACLs (`m.room.server_acl`) as the federation API applies them to requesting servers.
enum ServerAccess {
    /// 403 `M_FORBIDDEN` when the room's ACL denies `server`; rooms we do not know have no ACL here.
    static func checkACL(rooms: RoomService, roomId: String, server: String) async throws {
        guard let room = try await rooms.store.room(id: roomId) else { return }
        try await checkACL(rooms: rooms, room: room, server: server)
    }

    /// The same, for a room already loaded (per PDU in a transaction: no second read of the room).
    static func checkACL(rooms: RoomService, room: RoomRecord, server: String) async throws {
        guard let event = try await rooms.currentStateEvent(room, type: "m.room.server_acl") else { return }
        guard ServerACL(content: event.content).allows(serverName: server) else {
            throw MatrixError.forbidden("Server \(server) is banned from room \(room.roomId) by its server ACL")
        }
    }
}
