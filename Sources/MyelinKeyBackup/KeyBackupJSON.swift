import MatrixCore
import MyelinStorage

/// The response bodies of the key backup endpoints, built from stored records. Stored JSON (`auth_data`,
/// `session_data`) is parsed back; a stored value that no longer parses is a server fault (500).
public enum KeyBackupJSON {
    /// `GET /room_keys/version[/{version}]`.
    public static func version(_ record: KeyBackupVersionRecord) throws(MatrixError) -> JSONValue {
        .object([
            "algorithm": .string(record.algorithm),
            "auth_data": try stored(record.authData, what: "auth_data of backup version \(record.version)"),
            "count": .int(record.count),
            "etag": .string(String(record.etag)),
            "version": .string(String(record.version)),
        ])
    }

    /// The `{etag, count}` answer of key uploads and deletions.
    public static func counts(_ counts: KeyBackupCounts) -> JSONValue {
        .object(["etag": .string(String(counts.etag)), "count": .int(counts.count)])
    }

    /// The keys in the shape of the scope asked for: one `KeyBackupData`, `{"sessions": …}` of a room, or
    /// `{"rooms": …}` of the whole backup. Nil for a single session that is not there.
    public static func keys(_ keys: [BackedUpRoomKey], scope: RoomKeyScope) throws(MatrixError) -> JSONValue? {
        switch scope {
        case .session:
            guard let key = keys.first else { return nil }
            return try data(key)
        case .room:
            return .object(["sessions": .object(try sessions(keys))])
        case .all:
            var byRoom: [String: [BackedUpRoomKey]] = [:]
            for key in keys { byRoom[key.roomId, default: []].append(key) }
            var rooms = JSONObject()
            for (roomId, roomKeys) in byRoom {
                rooms[roomId] = .object(["sessions": .object(try sessions(roomKeys))])
            }
            return .object(["rooms": .object(rooms)])
        }
    }

    private static func sessions(_ keys: [BackedUpRoomKey]) throws(MatrixError) -> JSONObject {
        var sessions = JSONObject()
        for key in keys { sessions[key.sessionId] = try data(key) }
        return sessions
    }

    private static func data(_ key: BackedUpRoomKey) throws(MatrixError) -> JSONValue {
        .object([
            "first_message_index": .int(key.firstMessageIndex),
            "forwarded_count": .int(key.forwardedCount),
            "is_verified": .bool(key.isVerified),
            "session_data": try stored(key.sessionData, what: "session_data of \(key.roomId)/\(key.sessionId)"),
        ])
    }

    private static func stored(_ bytes: [UInt8], what: String) throws(MatrixError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw MatrixError("M_UNKNOWN", "Stored \(what) is not valid JSON: \(error)", status: 500)
        }
    }
}
