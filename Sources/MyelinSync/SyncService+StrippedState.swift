import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

extension SyncService {
    /// The stripped state an invitee or knocker sees (client-server API, "Stripped state"), with their
    /// own membership event.
    func strippedState(_ room: RoomRecord, memberEventNid: Int64, viewer: Requester) async throws -> [JSONObject] {
        let types = ["m.room.create", "m.room.join_rules", "m.room.name", "m.room.avatar", "m.room.canonical_alias",
                     "m.room.encryption", "m.room.topic"]
        let member = try await rooms.store.event(nid: memberEventNid)
        var events: [JSONObject]
        if let member, case .object(let json)? = try? JSONParser.parse(member.json),
            let sent = (json["unsigned"]?["invite_room_state"] ?? json["unsigned"]?["knock_room_state"])?.arrayValue
        {
            // An invite from (or a knock on) another server's room: the stripped state its server sent.
            events = sent.compactMap(\.objectValue).map(SyncResponseBuilder.stripped)
        } else {
            var tuples = types.map { StateTuple(type: $0, stateKey: "") }
            // The inviter's own member event, so clients can name who invited (as Synapse sends it).
            if let member, member.sender != member.stateKey {
                tuples.append(StateTuple(type: "m.room.member", stateKey: member.sender))
            }
            let state = try await rooms.currentState(room, tuples)
            events = tuples.compactMap { state[$0] }.map(SyncResponseBuilder.stripped)
        }
        if let member,
            let json = try await rooms.clientEvents([member], room: room, viewer: viewer).first
        {
            events.append(SyncResponseBuilder.stripped(json))
        }
        return events
    }
}
