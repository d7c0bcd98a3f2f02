import FoundationEssentials
import GRDB
import MatrixCore

/// One user a directory search found.
public struct DirectoryUser: Sendable, Equatable {
    public let localpart: String
    public let displayname: String?
    public let avatarURL: String?
}

/// A user directory query: the words to match (see `DirectoryWords`), or an exact localpart (a full
/// user ID was typed), whom the requester may see, and how many to return.
public struct DirectoryQuery: Sendable {
    public var words: [String]
    public var exactLocalpart: String?
    /// The requester's user ID: users sharing a joined room with them are visible.
    public var requester: String
    /// Every active local user is visible (`user_directory.search_all_users`).
    public var everyone: Bool
    public var limit: Int

    public init(words: [String], exactLocalpart: String?, requester: String, everyone: Bool, limit: Int) {
        self.words = words
        self.exactLocalpart = exactLocalpart
        self.requester = requester
        self.everyone = everyone
        self.limit = limit
    }
}

/// The user directory over local users: matched on localpart and displayname words, visible when they
/// share a room with the requester or are joined to a public (or world-readable) room. Works from the
/// live tables; the only derived data is `user_directory_rooms`, each room's visibility at a state
/// snapshot, brought up to date before each search for the rooms whose state moved since.
public struct UserDirectoryStore: Sendable {
    let database: MyelinDatabase
    let serverName: String

    public init(database: MyelinDatabase, serverName: String) {
        self.database = database
        self.serverName = serverName
    }

    /// Up to `query.limit + 1` users (one more than asked tells the caller the list was cut), best first.
    public func search(_ query: DirectoryQuery) async throws -> [DirectoryUser] {
        if !query.everyone { try await refreshRoomVisibility() }
        return try await database.read { [serverName] db in
            // Arguments in the order their `?` appear below.
            var arguments: StatementArguments = [":" + serverName]
            var matches: [String] = []
            for word in query.words.prefix(DirectoryWords.maxSearchWords) {
                matches.append("(localpart_words LIKE ? OR displayname_tokens LIKE ?)")
                arguments += ["% " + word + "%", "% " + word + "%"]
            }
            var match = matches.isEmpty ? "0" : matches.joined(separator: " AND ")
            if let exact = query.exactLocalpart {
                match = "(\(match) OR localpart = ?)"
                arguments += [exact]
            }
            var visibility = "1"
            if !query.everyone {
                // Joined to a room that shows its members, or sharing a joined room with the requester.
                visibility = """
                    (EXISTS (SELECT 1 FROM room_members m JOIN user_directory_rooms d ON d.room_nid = m.room_nid
                             WHERE m.user_id = uid AND m.membership = 'join' AND d.visible = 1)
                     OR (uid != ? AND EXISTS (
                         SELECT 1 FROM room_members m JOIN room_members r ON r.room_nid = m.room_nid
                         WHERE m.user_id = uid AND m.membership = 'join'
                             AND r.user_id = ? AND r.membership = 'join')))
                    """
                arguments += [query.requester, query.requester]
            }
            // Rank: the whole term is the name, then a name starting with the first word, then users with
            // a displayname and an avatar, then by name.
            let phrase = query.words.map { " " + $0 }.joined()
            let first = query.words.first.map { " " + $0 + "%" } ?? ""
            arguments += [phrase, phrase, first, first, query.limit + 1]
            // The localpart's words: separators become spaces, with a leading one (see DirectoryWords).
            let rows = try Row.fetchAll(db, sql: """
                SELECT localpart, displayname, avatar_url FROM (
                    SELECT u.localpart, p.displayname, p.avatar_url, p.displayname_tokens,
                        ' ' || replace(replace(replace(replace(replace(replace(lower(u.localpart),
                            '.', ' '), '_', ' '), '-', ' '), '=', ' '), '/', ' '), '+', ' ') AS localpart_words,
                        '@' || u.localpart || ? AS uid
                    FROM users u JOIN profiles p ON p.user_nid = u.user_nid
                    WHERE u.deactivated = 0
                )
                WHERE \(match) AND \(visibility)
                ORDER BY
                    CASE WHEN displayname_tokens = ? OR localpart_words = ? THEN 0
                         WHEN displayname_tokens LIKE ? OR localpart_words LIKE ? THEN 1 ELSE 2 END,
                    displayname IS NULL, avatar_url IS NULL, lower(coalesce(displayname, localpart)), localpart
                LIMIT ?
                """, arguments: arguments)
            return rows.map { DirectoryUser(localpart: $0["localpart"], displayname: $0["displayname"],
                                            avatarURL: $0["avatar_url"]) }
        }
    }

    /// Records, for each room whose current state changed since it was last looked at, whether its
    /// joined members are visible to everyone: a `public` join rule or `world_readable` history. Reads
    /// two state entries per changed room; writes only when some room changed.
    func refreshRoomVisibility() async throws {
        while true {
            let batch = 256
            let computed = try await database.read { db -> [(room: Int64, snapshot: Int64, visible: Bool)] in
                let stale = try Row.fetchAll(db, sql: """
                    SELECT r.room_nid, r.current_snapshot_nid FROM rooms r
                    LEFT JOIN user_directory_rooms d ON d.room_nid = r.room_nid
                    WHERE r.current_snapshot_nid IS NOT NULL AND d.snapshot_nid IS NOT r.current_snapshot_nid
                    LIMIT ?
                    """, arguments: [batch])
                if stale.isEmpty { return [] }
                let joinRules = try NumericIDs.stateKey(db, StateTuple(type: "m.room.join_rules", stateKey: ""),
                                                        create: false)
                let history = try NumericIDs.stateKey(
                    db, StateTuple(type: "m.room.history_visibility", stateKey: ""), create: false)
                let keys = [joinRules, history].compactMap { $0 }
                return try stale.map { row in
                    let room: Int64 = row["room_nid"]
                    let snapshot: Int64 = row["current_snapshot_nid"]
                    let entries = keys.isEmpty ? [:] : try StateSnapshots.lookup(db, snapshot, keys: keys)
                    let rule = try joinRules.flatMap { entries[$0] }.flatMap { try Self.content(db, event: $0) }
                    let visibility = try history.flatMap { entries[$0] }.flatMap { try Self.content(db, event: $0) }
                    let visible = rule?["join_rule"]?.stringValue == "public"
                        || visibility?["history_visibility"]?.stringValue == "world_readable"
                    return (room, snapshot, visible)
                }
            }
            if computed.isEmpty { return }
            try await database.write { db in
                for entry in computed {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO user_directory_rooms (room_nid, snapshot_nid, visible) VALUES (?, ?, ?)",
                        arguments: [entry.room, entry.snapshot, entry.visible])
                }
            }
            if computed.count < batch { return }
        }
    }

    private static func content(_ db: Database, event: Int64) throws -> JSONObject? {
        guard let bytes = try Data.fetchOne(db, sql: "SELECT json FROM events WHERE event_nid = ?", arguments: [event]),
            case .object(let json)? = try? JSONParser.parse([UInt8](bytes))
        else { return nil }
        return json["content"]?.objectValue
    }
}
