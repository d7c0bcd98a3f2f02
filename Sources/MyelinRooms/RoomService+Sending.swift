import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Sending message events, state events and redactions.
extension RoomService {
    /// `PUT /rooms/{roomId}/send/{eventType}/{txnId}`: a retry with the same transaction ID from the
    /// same device returns the first event instead of sending another.
    ///
    /// An `m.room.redaction` sent here (spec v1.18, every room version) names its target in
    /// `content.redacts` and is checked as `PUT /redact` checks it; the pipeline puts `redacts` where the
    /// room version wants it (the top level before version 11).
    public func sendMessage(_ requester: Requester, roomId: String, type: String, txnId: String,
                            content: JSONObject) async throws -> String {
        try Self.checkEventType(type)
        if type == "m.room.redaction" {
            guard let target = content["redacts"]?.stringValue else {
                throw MatrixError.badJSON("An m.room.redaction names the event it redacts in content.redacts")
            }
            var rest = content
            rest["redacts"] = nil
            return try await redact(requester, roomId: roomId, eventId: target, txnId: txnId, content: rest)
        }
        let room = try await room(roomId)
        try await requireJoined(room, requester.userId)
        return try await send(requester, roomId: roomId, type: type, content: content, txnId: txnId).eventId
    }

    /// `PUT /rooms/{roomId}/state/{eventType}/{stateKey}`. Sending the state that is already current
    /// (same sender, same content) returns the current event instead of a duplicate, as Synapse does.
    public func setState(_ requester: Requester, roomId: String, type: String, stateKey: String,
                         content: JSONObject) async throws -> String {
        try Self.checkEventType(type)
        let room = try await room(roomId)
        if type == "m.room.member" {
            return try await setMembershipState(requester, room: room, target: stateKey, content: content)
        }
        try await requireJoined(room, requester.userId)
        if let existing = try await currentStateEvent(room, type: type, stateKey: stateKey),
            existing.sender == requester.userId, existing.content == content
        {
            return existing.eventId
        }
        try await validateStateContent(room, type: type, stateKey: stateKey, content: content)
        let eventId = try await send(requester, roomId: roomId, type: type, stateKey: stateKey, content: content).eventId
        if type == "m.room.guest_access", stateKey.isEmpty, content["guest_access"]?.stringValue != "can_join" {
            try await removeGuests(room)
        }
        return eventId
    }

    /// Guests may stay only while `m.room.guest_access` is `can_join`; when it changes, the server makes
    /// its guest members leave (client-server API, "Guest access").
    private func removeGuests(_ room: RoomRecord) async throws {
        for guest in try await store.joinedGuests(roomNid: room.nid, serverName: serverName) {
            do {
                try await pipeline.send(roomId: room.roomId, LocalEvent(
                    type: "m.room.member", stateKey: guest, sender: guest, content: ["membership": "leave"]))
            } catch {
                logger.warning("could not remove guest \(guest) from \(room.roomId): \(error)")
            }
        }
    }

    /// `PUT /rooms/{roomId}/redact/{eventId}/{txnId}`: the sender of the event, or anyone with the
    /// redact power level, may redact it.
    public func redact(_ requester: Requester, roomId: String, eventId: String, txnId: String,
                       reason: String?) async throws -> String {
        var content: JSONObject = [:]
        if let reason { content["reason"] = .string(reason) }
        return try await redact(requester, roomId: roomId, eventId: eventId, txnId: txnId, content: content)
    }

    /// A redaction with the given content (without `redacts`, which the pipeline places).
    func redact(_ requester: Requester, roomId: String, eventId: String, txnId: String, content: JSONObject)
        async throws -> String
    {
        let room = try await room(roomId)
        try await requireJoined(room, requester.userId)
        if let earlier = try await store.transactionEvent(
            .init(userNid: requester.userNid, deviceId: requester.deviceId, txnId: txnId)) {
            return earlier
        }
        guard let target = try await store.event(id: eventId), target.roomNid == room.nid,
            target.status == .accepted
        else { throw MatrixError.notFound("Event \(eventId) not found in \(roomId)") }
        if target.sender != requester.userId, !(try await powerLevels(room).canRedact(requester.userId)) {
            throw MatrixError.forbidden("You may only redact your own events in this room")
        }
        return try await send(requester, roomId: roomId, type: "m.room.redaction", content: content, redacts: eventId,
                              txnId: txnId).eventId
    }

    /// State content the authorisation rules do not look at but the spec constrains.
    func validateStateContent(_ room: RoomRecord, type: String, stateKey: String, content: JSONObject) async throws {
        switch type {
        case "m.room.canonical_alias":
            try await validateCanonicalAlias(room, content: content)
        case "m.room.server_acl":
            // The rules let any ACL in; refuse one that would shut this server out of its own room.
            guard try ServerACL(validating: content).allows(serverName: serverName) else {
                throw MatrixError("M_FORBIDDEN", "This server ACL would ban this server from the room", status: 403)
            }
        default:
            break
        }
    }

    static func checkEventType(_ type: String) throws {
        guard !type.isEmpty, type.utf8.count <= 255 else {
            throw MatrixError.invalidParam("The event type must be 1 to 255 bytes")
        }
    }
}
