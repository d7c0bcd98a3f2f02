import MatrixCore

/// A membership event another server sends us in a request body (`send_join`, `send_leave`,
/// `send_knock`, `invite`): parsed for the room version, and required to be the event and room the
/// request's path names.
enum InboundMembershipEvent {
    static func parse(_ json: JSONObject, version: RoomVersion, eventId: String, roomId: String)
        throws(MatrixError) -> PDU
    {
        let pdu: PDU
        do {
            pdu = try PDU(json: json, roomVersion: version)
        } catch {
            throw MatrixError.badJSON("Invalid event: \(error)")
        }
        guard pdu.eventId == eventId, pdu.resolvedRoomId == roomId else {
            throw MatrixError.badJSON("The event's ID or room does not match the request")
        }
        guard pdu.type == "m.room.member", pdu.membership != nil, pdu.stateKey != nil else {
            throw MatrixError.badJSON("Not a membership event")
        }
        return pdu
    }
}
