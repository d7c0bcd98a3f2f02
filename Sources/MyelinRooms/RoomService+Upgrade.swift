import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `POST /rooms/{roomId}/upgrade` (client-server API, "Room Upgrades", server behaviour), the way
/// Synapse does it: a new room with a `predecessor`, the old room's transferable state copied, bans
/// copied, the local aliases and directory entry moved, a tombstone in the old room and its power
/// levels raised so that ordinary members can no longer talk or invite. Members are not invited: the
/// spec does not ask for it, and clients offer it.
extension RoomService {
    /// The state the spec recommends transferring, in the order it is sent (power levels first, so the
    /// upgrader may send the rest).
    static let upgradeCopiedTypes = [
        "m.room.power_levels", "m.room.join_rules", "m.room.history_visibility", "m.room.guest_access",
        "m.room.name", "m.room.topic", "m.room.avatar", "m.room.encryption", "m.room.server_acl",
    ]

    /// Returns the replacement room's ID.
    /// - Throws: 400 `M_UNSUPPORTED_ROOM_VERSION`, 404 for an unknown room, 403 `M_FORBIDDEN` unless the
    ///   requester is joined and may send `m.room.tombstone`, 400 `M_INVALID_PARAM` for a bad
    ///   additional creator.
    public func upgradeRoom(_ requester: Requester, roomId: String, newVersion: String,
                            additionalCreators: [String] = []) async throws -> String {
        guard let version = RoomVersion.named(newVersion) else {
            throw MatrixError("M_UNSUPPORTED_ROOM_VERSION", "Room version \(newVersion) is not supported", status: 400)
        }
        let old = try await room(roomId)
        try await requireJoined(old, requester.userId)
        guard try await powerLevels(old).canSend(requester.userId, type: "m.room.tombstone", isState: true) else {
            throw MatrixError.forbidden("You cannot upgrade this room: you may not send m.room.tombstone")
        }
        var extraCreators: [String] = []
        if version.privilegedCreators {
            for user in additionalCreators where user != requester.userId && !extraCreators.contains(user) {
                guard (try? UserID(parsing: user)) != nil else {
                    throw MatrixError.invalidParam("additional_creators holds an invalid user ID: \(user)")
                }
                extraCreators.append(user)
            }
        }

        let oldState = try await currentState(
            old, (Self.upgradeCopiedTypes + ["m.room.create", "m.room.canonical_alias"]).map {
                StateTuple(type: $0, stateKey: "")
            })
        let oldCreate = oldState[StateTuple(type: "m.room.create", stateKey: "")]
        let lastEvent = try await store.forwardExtremities(roomNid: old.nid).first?.eventId
        let plan = try await upgradePlan(
            requester, old: old, state: oldState, createContent: oldCreate?.content ?? [:], newVersion: version,
            extraCreators: extraCreators, lastEventId: lastEvent)
        let newRoomId = try await createRoom(requester, plan.room)
        let new = try await room(newRoomId)

        try await copyBans(requester, from: old, to: newRoomId)
        try await send(requester, roomId: roomId, type: "m.room.tombstone", stateKey: "",
                       content: ["body": "This room has been replaced", "replacement_room": .string(newRoomId)])
        try await moveAliases(requester, from: old, to: new,
                              canonical: oldState[StateTuple(type: "m.room.canonical_alias", stateKey: "")])
        if old.directoryPublic {
            try await store.directory.setPublic(roomNid: new.nid, true)
            try await store.directory.setPublic(roomNid: old.nid, false)
        }
        try await restrictOldRoom(requester, old)
        if let restored = plan.restoredPowerLevels {
            try await send(requester, roomId: newRoomId, type: "m.room.power_levels", stateKey: "", content: restored)
        }
        return newRoomId
    }

    /// The new room, and the power levels to send once its state is in when the upgrader's level had to
    /// be raised to copy it (as Synapse does).
    private func upgradePlan(_ requester: Requester, old: RoomRecord, state: [StateTuple: PDU],
                             createContent oldCreate: JSONObject, newVersion: RoomVersion, extraCreators: [String],
                             lastEventId: String?) async throws
        -> (room: NewRoom, restoredPowerLevels: JSONObject?)
    {
        var predecessor: JSONObject = ["room_id": .string(old.roomId)]
        // The spec asks for the last known event of the old room; it may be left out from v12 on, and the
        // tombstone (which names the new room) cannot be it, as Synapse's is, because our room IDs are
        // only known once the room exists.
        if let lastEventId { predecessor["event_id"] = .string(lastEventId) }
        var create: JSONObject = ["room_version": .string(newVersion.identifier), "predecessor": .object(predecessor)]
        if !newVersion.implicitRoomCreator { create["creator"] = .string(requester.userId) }
        if oldCreate["m.federate"]?.boolValue == false { create["m.federate"] = false }
        if let type = oldCreate["type"], type.stringValue != nil { create["type"] = type }
        if !extraCreators.isEmpty { create["additional_creators"] = .array(extraCreators.map(JSONValue.string)) }

        var initial: [NewRoom.StateEvent] = []
        var restored: JSONObject? = nil
        for type in Self.upgradeCopiedTypes {
            guard var content = state[StateTuple(type: type, stateKey: "")]?.content else { continue }
            if type == "m.room.power_levels" {
                content = Self.fixedUpPowerLevels(content, from: try version(of: old))
                let creators = [requester.userId] + extraCreators
                (content, restored) = Self.powerLevelsForUpgrader(content, upgrader: requester.userId,
                                                                  version: newVersion, creators: creators)
            }
            initial.append(.init(type: type, stateKey: "", content: content))
        }
        if oldCreate["type"]?.stringValue == "m.space", let snapshot = old.currentSnapshot {
            let children = try await loader(old).events(of: Dictionary(uniqueKeysWithValues:
                try await store.state(snapshot: snapshot, type: "m.space.child").map {
                    (StateTuple(type: "m.space.child", stateKey: $0.key), $0.value)
                }))
            // A child event with empty content was removed from the space.
            for (tuple, event) in children.sorted(by: { $0.key < $1.key }) where !event.content.isEmpty {
                initial.append(.init(type: tuple.type, stateKey: tuple.stateKey, content: event.content))
            }
        }
        return (NewRoom(version: newVersion, createContent: create, initialState: initial), restored)
    }

    /// Power level values as integers (pre-v10 rooms may hold strings and floats, which v10+ refuse).
    static func fixedUpPowerLevels(_ content: JSONObject, from version: RoomVersion) -> JSONObject {
        var fixed: JSONObject = [:]
        for (key, value) in content {
            switch value {
            case .object(let map) where ["users", "events", "notifications"].contains(key):
                var levels: JSONObject = [:]
                for (name, level) in map {
                    if let integer = PowerLevel.integer(from: level, in: version) { levels[name] = .int(integer) }
                }
                fixed[key] = .object(levels)
            case .object, .array, .null:
                fixed[key] = value
            default:
                if let integer = PowerLevel.integer(from: value, in: version) { fixed[key] = .int(integer) }
            }
        }
        return fixed
    }

    /// The power levels to create the new room with. From v12 the creators hold infinite power and may
    /// not be listed in `users`. Before, the upgrader is raised to the highest level any copied state
    /// needs when below it, and the original content is returned to restore afterwards.
    static func powerLevelsForUpgrader(_ content: JSONObject, upgrader: String, version: RoomVersion,
                                       creators: [String]) -> (initial: JSONObject, restore: JSONObject?) {
        var content = content
        var users = content["users"]?.objectValue ?? [:]
        if version.privilegedCreators {
            for creator in creators { users.removeValue(forKey: creator) }
            content["users"] = .object(users)
            return (content, nil)
        }
        let levels = PowerLevels(content: content, creators: nil, roomVersion: version)
        let needed = max(levels.stateDefault, levels.ban, levels.events.values.max() ?? 0)
        guard levels.userLevel(upgrader) < .finite(needed) else { return (content, nil) }
        let original = content
        users[upgrader] = .int(needed)
        content["users"] = .object(users)
        return (content, original)
    }

    /// Bans carry over (as Synapse); other memberships cannot, as users of other servers cannot be
    /// impersonated. A ban the new room refuses (a target with more power) is skipped.
    private func copyBans(_ requester: Requester, from old: RoomRecord, to newRoomId: String) async throws {
        let banned = try await store.members(roomNid: old.nid, membership: "ban")
        let events = try await store.events(nids: Array(banned.values))
        for (user, nid) in banned.sorted(by: { $0.key < $1.key }) {
            var content: JSONObject = ["membership": "ban"]
            if let event = events[nid], let reason = try await loader(old).pdu(event).content["reason"],
                reason.stringValue != nil {
                content["reason"] = reason
            }
            do {
                try await send(requester, roomId: newRoomId, type: "m.room.member", stateKey: user, content: content)
            } catch let error as MatrixError where error.status == 403 {
                logger.info("ban not carried over in room upgrade", metadata: ["user": "\(user)", "reason": "\(error.message)"])
            }
        }
    }

    /// Points the local aliases at the new room and splits the canonical alias event: our aliases go to
    /// the new room's, other servers' stay in the old room's (Synapse). Failures here do not undo the
    /// upgrade.
    private func moveAliases(_ requester: Requester, from old: RoomRecord, to new: RoomRecord,
                             canonical: PDU?) async throws {
        _ = try await store.aliases.move(fromRoomNid: old.nid, toRoomNid: new.nid)
        guard let canonical else { return }
        let current = CanonicalAliasContent(content: canonical.content)
        func isOurs(_ alias: String) -> Bool { (try? RoomAlias(parsing: alias))?.serverName == serverName }
        var oldContent = canonical.content
        var newContent: JSONObject = [:]
        if let alias = current.alias, isOurs(alias) {
            newContent["alias"] = .string(alias)
            oldContent.removeValue(forKey: "alias")
        }
        let movedAlternatives = current.altAliases.filter(isOurs)
        if !movedAlternatives.isEmpty {
            newContent["alt_aliases"] = .array(movedAlternatives.map(JSONValue.string))
            let kept = current.altAliases.filter { !isOurs($0) }
            if kept.isEmpty { oldContent.removeValue(forKey: "alt_aliases") } else {
                oldContent["alt_aliases"] = .array(kept.map(JSONValue.string))
            }
        }
        for (roomId, content) in [(old.roomId, oldContent), (new.roomId, newContent)] {
            do {
                try await send(requester, roomId: roomId, type: "m.room.canonical_alias", stateKey: "", content: content)
            } catch let error as MatrixError {
                logger.warning("canonical alias not updated in room upgrade",
                               metadata: ["room": "\(roomId)", "reason": "\(error.message)"])
            }
        }
    }

    /// Raises `events_default` and `invite` in the old room to at least max(50, users_default + 1).
    private func restrictOldRoom(_ requester: Requester, _ old: RoomRecord) async throws {
        guard let event = try await currentStateEvent(old, type: "m.room.power_levels") else { return }
        var content = Self.fixedUpPowerLevels(event.content, from: try version(of: old))
        let usersDefault = content["users_default"]?.intValue ?? PowerLevels.defaultUsersDefault
        let restricted = max(usersDefault + 1, 50)
        var changed = false
        for key in ["events_default", "invite"] where (content[key]?.intValue ?? 0) < restricted {
            content[key] = .int(restricted)
            changed = true
        }
        guard changed else { return }
        do {
            try await send(requester, roomId: old.roomId, type: "m.room.power_levels", stateKey: "", content: content)
        } catch let error as MatrixError where error.status == 403 {
            logger.warning("could not restrict the old room's power levels", metadata: ["reason": "\(error.message)"])
        }
    }
}
