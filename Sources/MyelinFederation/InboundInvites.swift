import Logging
import MatrixCore
import MyelinRooms

/// Invites of our users by other servers (`PUT /_matrix/federation/v2/invite/{roomId}/{eventId}`): we
/// check the invite, countersign it, keep it (with the stripped state sent along) so our user sees it in
/// sync, and answer with our signed copy.
public struct InboundInvites: Sendable {
    let rooms: RoomService
    let serverName: String
    let isLocalUser: @Sendable (String) async -> Bool

    public init(rooms: RoomService, isLocalUser: @escaping @Sendable (String) async -> Bool) {
        self.rooms = rooms
        self.serverName = rooms.serverName
        self.isLocalUser = isLocalUser
    }

    public func invite(origin: String, roomId: String, eventId: String, body: JSONObject) async throws -> JSONObject {
        guard let versionName = body["room_version"]?.stringValue else {
            throw MatrixError.missingParam("'room_version' is required")
        }
        guard let version = RoomVersion.named(versionName) else {
            throw MatrixError("M_INCOMPATIBLE_ROOM_VERSION", "Room version \(versionName) is not supported here",
                              status: 400, extra: ["room_version": .string(versionName)])
        }
        guard let event = body["event"]?.objectValue else { throw MatrixError.missingParam("'event' is required") }
        let pdu = try InboundMembershipEvent.parse(event, version: version, eventId: eventId, roomId: roomId)
        guard pdu.membership == "invite", let invitee = pdu.stateKey else {
            throw MatrixError.badJSON("Not an invite event")
        }
        guard matrixIDDomainOf(pdu.sender) == origin else {
            throw MatrixError.forbidden("\(pdu.sender) is not a user of \(origin)")
        }
        guard matrixIDDomainOf(invitee) == serverName, await isLocalUser(invitee) else {
            throw MatrixError.notFound("\(invitee) is not a user of this server")
        }
        try await ServerAccess.checkACL(rooms: rooms, roomId: roomId, server: origin)
        var stripped: [JSONObject] = []
        if let value = body["invite_room_state"] {
            guard case .array(let list) = value else { throw MatrixError.badJSON("'invite_room_state' must be an array") }
            stripped = list.compactMap(\.objectValue)
        }
        let signed: PDU
        do {
            signed = try await rooms.pipeline.receiveRemoteInvite(event, roomVersion: version, strippedState: stripped)
        } catch let error as ReceiveError {
            throw MatrixError.forbidden("The invite was refused: \(error)")
        }
        return ["event": .object(signed.json)]
    }
}
