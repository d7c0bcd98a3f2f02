import FoundationEssentials
import GRDB
import MatrixCore

/// A local user's profile as stored.
public struct ProfileRecord: Sendable, Equatable {
    public let userNid: Int64
    public let localpart: String
    public let deactivated: Bool
    public let displayname: String?
    public let avatarURL: String?
    /// The other fields (`m.tz`, custom keys) in key order.
    public let fields: [ProfileFieldRecord]
}

/// A profile field other than displayname and avatar_url, with its value as JSON bytes.
public struct ProfileFieldRecord: Sendable, Equatable {
    public let key: String
    public let value: [UInt8]
}

/// The two profile fields member events carry.
public struct MemberProfileRecord: Sendable, Equatable {
    public let displayname: String?
    public let avatarURL: String?
}

/// One change to a profile. Nil clears displayname or avatar_url.
public enum ProfileChange: Sendable, Equatable {
    case displayname(String?)
    case avatarURL(String?)
    /// A field other than displayname and avatar_url, as JSON bytes.
    case field(key: String, value: [UInt8])
    case removeField(key: String)
}

public enum ProfileUpdateOutcome: Sendable, Equatable {
    case changed
    /// The profile already held this value.
    case unchanged
    /// The profile would exceed the size limit; nothing was written.
    case tooLarge
}

/// Profiles of local users (`profiles`, `profile_fields`). Every user has a `profiles` row from
/// registration on (a trigger of v9_profiles adds it with the localpart as displayname).
public struct ProfileStore: Sendable {
    let database: MyelinDatabase

    public init(database: MyelinDatabase) {
        self.database = database
    }

    /// The whole profile of a local user, deactivated or not; nil when there is no such user.
    public func profile(localpart: String) async throws -> ProfileRecord? {
        try await database.read { db in
            guard let row = try Row.fetchOne(
                db, sql: """
                    SELECT u.user_nid, u.localpart, u.deactivated, p.displayname, p.avatar_url
                    FROM users u LEFT JOIN profiles p ON p.user_nid = u.user_nid WHERE u.localpart = ?
                    """, arguments: [localpart])
            else { return nil }
            let nid: Int64 = row["user_nid"]
            let fields = try Row.fetchAll(
                db, sql: "SELECT key, value FROM profile_fields WHERE user_nid = ? ORDER BY key", arguments: [nid]
            ).map { ProfileFieldRecord(key: $0["key"], value: [UInt8]($0["value"] as Data)) }
            return ProfileRecord(userNid: nid, localpart: row["localpart"], deactivated: row["deactivated"],
                                 displayname: row["displayname"], avatarURL: row["avatar_url"], fields: fields)
        }
    }

    /// Displayname and avatar_url of an active local user, for member events; nil for an unknown or
    /// deactivated one.
    public func memberProfile(localpart: String) async throws -> MemberProfileRecord? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT p.displayname, p.avatar_url FROM users u JOIN profiles p ON p.user_nid = u.user_nid
                    WHERE u.localpart = ? AND u.deactivated = 0
                    """), arguments: [localpart]
            ).map { MemberProfileRecord(displayname: $0["displayname"], avatarURL: $0["avatar_url"]) }
        }
    }

    /// Applies `change` unless the profile, as one JSON object, would then be larger than `maxBytes`
    /// (checked in the same transaction as the write, so concurrent writes cannot pass it together).
    public func update(userNid: Int64, _ change: ProfileChange, maxBytes: Int) async throws -> ProfileUpdateOutcome {
        try await database.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT displayname, avatar_url FROM profiles WHERE user_nid = ?",
                                       arguments: [userNid])
            var displayname: String? = row?["displayname"]
            var avatarURL: String? = row?["avatar_url"]
            var fieldSizes: [String: Int] = [:]
            for field in try Row.fetchAll(db, sql: "SELECT key, length(value) AS size FROM profile_fields WHERE user_nid = ?",
                                          arguments: [userNid]) {
                fieldSizes[field["key"]] = field["size"]
            }
            let grows: Bool
            switch change {
            case .displayname(let name):
                guard row == nil || name != displayname else { return .unchanged }
                grows = (name?.utf8.count ?? 0) > (displayname?.utf8.count ?? 0)
                displayname = name
            case .avatarURL(let url):
                guard row == nil || url != avatarURL else { return .unchanged }
                grows = (url?.utf8.count ?? 0) > (avatarURL?.utf8.count ?? 0)
                avatarURL = url
            case .field(let key, let value):
                if let old = try Data.fetchOne(
                    db, sql: "SELECT value FROM profile_fields WHERE user_nid = ? AND key = ?", arguments: [userNid, key]),
                    [UInt8](old) == value
                {
                    return .unchanged
                }
                grows = value.count > (fieldSizes[key] ?? 0)
                fieldSizes[key] = value.count
            case .removeField(let key):
                guard fieldSizes[key] != nil else { return .unchanged }
                grows = false
                fieldSizes[key] = nil
            }
            // Shrinking is always allowed, even past a limit that was lowered since.
            if grows, Self.jsonSize(displayname: displayname, avatarURL: avatarURL, fieldSizes: fieldSizes) > maxBytes {
                return .tooLarge
            }
            switch change {
            case .displayname, .avatarURL:
                try db.execute(
                    sql: """
                        INSERT INTO profiles (user_nid, displayname, avatar_url, displayname_tokens) VALUES (?, ?, ?, ?)
                        ON CONFLICT (user_nid) DO UPDATE SET displayname = excluded.displayname,
                            avatar_url = excluded.avatar_url, displayname_tokens = excluded.displayname_tokens
                        """,
                    arguments: [userNid, displayname, avatarURL, DirectoryWords.tokens(displayname)])
            case .field(let key, let value):
                try db.execute(
                    sql: """
                        INSERT INTO profile_fields (user_nid, key, value) VALUES (?, ?, ?)
                        ON CONFLICT (user_nid, key) DO UPDATE SET value = excluded.value
                        """, arguments: [userNid, key, Data(value)])
            case .removeField(let key):
                try db.execute(sql: "DELETE FROM profile_fields WHERE user_nid = ? AND key = ?", arguments: [userNid, key])
            }
            return .changed
        }
    }

    /// The size of the profile as one canonical JSON object (`{"avatar_url":"…","displayname":"…",…}`),
    /// from the byte sizes of the other fields' JSON values.
    static func jsonSize(displayname: String?, avatarURL: String?, fieldSizes: [String: Int]) -> Int {
        var members: [Int] = []
        func keySize(_ key: String) -> Int { CanonicalJSON.encodeLenient(.string(key)).count }
        if let displayname { members.append(keySize("displayname") + 1 + CanonicalJSON.encodeLenient(.string(displayname)).count) }
        if let avatarURL { members.append(keySize("avatar_url") + 1 + CanonicalJSON.encodeLenient(.string(avatarURL)).count) }
        for (key, size) in fieldSizes { members.append(keySize(key) + 1 + size) }
        return 2 + members.reduce(0, +) + max(0, members.count - 1)
    }
}
