/// The `m.room.power_levels` rule (rule 10 in v1-v5 and v12, rule 9 in v6-v11): the new content
/// must be well formed, and a sender may only change levels up to their own.
enum PowerLevelsEventRules {
    /// The top-level properties whose changes are limited by the sender's level.
    static let topLevelKeys = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"]

    static func check(_ context: AuthContext) -> AuthDecision {
        let event = context.event
        let version = event.roomVersion
        let numbers = context.numbers
        let rule = numbers.powerLevels
        let content = event.content

        if version.integerPowerLevels {
            for key in topLevelKeys {
                if let value = content[key], value.intValue == nil {
                    return numbers.reject(rule, 1, because: "\(key) is a \(value.typeName), not an integer")
                }
            }
            for key in ["events", "notifications"] {
                guard let value = content[key] else { continue }
                guard case .object(let map) = value, map.values.allSatisfy({ $0.intValue != nil }) else {
                    return numbers.reject(rule, 2, because: "\(key) is not an object of integers")
                }
            }
        }
        if let users = content["users"] {
            guard case .object(let map) = users else {
                return numbers.reject(
                    rule, numbers.powerLevelsUsers, because: "users is a \(users.typeName), not an object")
            }
            for (user, level) in map.sorted(by: { $0.key < $1.key }) {
                guard (try? UserID(parsing: user, strict: false)) != nil else {
                    return numbers.reject(
                        rule, numbers.powerLevelsUsers, because: "users has an invalid user ID \"\(user)\"")
                }
                guard PowerLevel.integer(from: level, in: version) != nil else {
                    return numbers.reject(
                        rule, numbers.powerLevelsUsers, because: "the level of \(user) is not an integer")
                }
            }
            // v12: creators' infinite level is not the power levels event's to state or change.
            if version.privilegedCreators, let creator = context.creators.all.first(where: { map[$0] != nil }) {
                return numbers.reject(
                    rule, numbers.powerLevelsCreators,
                    because: "\(creator) is a room creator and cannot be listed in users")
            }
        }
        guard let previous = context.powerLevelsEvent else { return .allow }
        return checkChanges(context, from: previous.content, to: content)
    }

    /// The rules that compare the new content with the current power levels event.
    private static func checkChanges(
        _ context: AuthContext, from old: JSONObject, to new: JSONObject
    ) -> AuthDecision {
        let numbers = context.numbers
        let rule = numbers.powerLevels
        let version = context.event.roomVersion
        let sender = context.event.sender
        let senderLevel = context.powerLevels.userLevel(sender)

        for key in topLevelKeys {
            if let reason = excess(old: old[key], new: new[key], senderLevel: senderLevel, version: version, name: key)
            {
                return numbers.reject(rule, numbers.powerLevelsTopLevel, because: reason)
            }
        }
        // v6+ limits `notifications` like `events`; before, anyone who may send the event may change it.
        let maps = version.limitNotificationsPowerLevels ? ["events", "notifications"] : ["events"]
        for map in maps {
            // Before v10 nothing validates these maps; a non-object reads as empty, as it does for levels.
            let (oldMap, newMap) = (old[map]?.objectValue ?? [:], new[map]?.objectValue ?? [:])
            for key in Set(oldMap.keys).union(newMap.keys).sorted() {
                guard let change = Change(old: oldMap[key], new: newMap[key], version: version) else { continue }
                let name = "\(map).\(key)"
                if case .unreadable = change {
                    return numbers.reject(rule, numbers.powerLevelsMapRemoved, because: "\(name) is not a power level")
                }
                if let oldLevel = change.old, .finite(oldLevel) > senderLevel {
                    return numbers.reject(
                        rule, numbers.powerLevelsMapRemoved,
                        because: "\(name) was \(oldLevel), above \(sender)'s level \(senderLevel)")
                }
                if let newLevel = change.new, .finite(newLevel) > senderLevel {
                    return numbers.reject(
                        rule, numbers.powerLevelsMapAdded,
                        because: "\(name) would be \(newLevel), above \(sender)'s level \(senderLevel)")
                }
            }
        }
        let (oldUsers, newUsers) = (old["users"]?.objectValue ?? [:], new["users"]?.objectValue ?? [:])
        for user in Set(oldUsers.keys).union(newUsers.keys).sorted() {
            guard let change = Change(old: oldUsers[user], new: newUsers[user], version: version) else { continue }
            if case .unreadable = change {
                return numbers.reject(
                    rule, numbers.powerLevelsUsersRemoved, because: "the level of \(user) is not a power level")
            }
            // Anyone may lower their own level; others' only when below one's own.
            if user != sender, let oldLevel = change.old, .finite(oldLevel) >= senderLevel {
                return numbers.reject(
                    rule, numbers.powerLevelsUsersRemoved,
                    because: "\(user) has level \(oldLevel), not below \(sender)'s level \(senderLevel)")
            }
            if let newLevel = change.new, .finite(newLevel) > senderLevel {
                return numbers.reject(
                    rule, numbers.powerLevelsUsersAdded,
                    because: "\(user) would get level \(newLevel), above \(sender)'s level \(senderLevel)")
            }
        }
        return .allow
    }

    /// For a top-level property: why its change exceeds the sender's level, or nil when it does not.
    private static func excess(
        old: JSONValue?, new: JSONValue?, senderLevel: PowerLevel, version: RoomVersion, name: String
    ) -> String? {
        guard let change = Change(old: old, new: new, version: version) else { return nil }
        if case .unreadable = change { return "\(name) is not a power level" }
        if let oldLevel = change.old, .finite(oldLevel) > senderLevel {
            return "\(name) was \(oldLevel), above the sender's level \(senderLevel)"
        }
        if let newLevel = change.new, .finite(newLevel) > senderLevel {
            return "\(name) would be \(newLevel), above the sender's level \(senderLevel)"
        }
        return nil
    }

    /// One entry's alteration between the current and the new content; nil when it is unchanged.
    /// Entries are compared by their levels, so `"50"` and `50` are the same in v1-v9.
    private enum Change {
        /// `nil` sides are absent.
        case levels(old: Int64?, new: Int64?)
        /// A present side is not a power level in this room version (possible only for values the
        /// pre-v10 rules never validated); the rules cannot compare it, so the change is refused.
        case unreadable

        init?(old: JSONValue?, new: JSONValue?, version: RoomVersion) {
            if old == new { return nil }
            let oldLevel = old.map { PowerLevel.integer(from: $0, in: version) }
            let newLevel = new.map { PowerLevel.integer(from: $0, in: version) }
            if oldLevel == .some(nil) || newLevel == .some(nil) {
                self = .unreadable
                return
            }
            let (o, n) = (oldLevel ?? nil, newLevel ?? nil)
            if o == n { return nil }
            self = .levels(old: o, new: n)
        }

        var old: Int64? {
            if case .levels(let old, _) = self { return old }
            return nil
        }

        var new: Int64? {
            if case .levels(_, let new) = self { return new }
            return nil
        }
    }
}
