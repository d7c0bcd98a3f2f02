import MatrixCore
import MyelinEphemeral
import MyelinStorage

/// Presence of new room-mates. The presence stream carries changes, and sync serves a change only to
/// those who share a room with its user when it is read: a change made before two users shared a room
/// reached neither. So when they begin to (one joins a room the other is in), the next incremental sync
/// brings each the other's current presence.
extension SyncResponseBuilder {
    /// Users who began sharing `membership`'s room with the viewer after the token: all its members when
    /// the viewer is the one who joined, else those who joined since (read from the room's new events).
    func usersNewlySharing(_ membership: UserMembership, isNewJoin: Bool, hasEvents: Bool) async throws
        -> Set<String>
    {
        // An initial (or full-state) sync reads the whole presence stream already.
        guard let token = since, !filter.presence.excludesEverything else { return [] }
        if isNewJoin { return Set(try await store.members(roomNid: membership.roomNid, membership: "join").keys) }
        guard hasEvents else { return [] }
        return try await store.joinedMembersChanged(roomNid: membership.roomNid, after: token.rooms, upTo: now.rooms)
    }

    /// `m.presence` of the current presence of `users`, but for the viewer and those the stream's update
    /// already carries.
    func roomMatePresence(_ users: Set<String>, besides update: PresenceUpdate) async throws -> [JSONObject] {
        var wanted = users
        wanted.remove(requester.userId)
        for event in update.events {
            if let sender = event["sender"]?.stringValue { wanted.remove(sender) }
        }
        guard !wanted.isEmpty else { return [] }
        return try await service.ephemeral.presence.events(of: wanted.sorted())
    }
}
