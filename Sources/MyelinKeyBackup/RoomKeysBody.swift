import MatrixCore
import MyelinStorage

/// Reads the key uploads of `PUT /room_keys/keys` at its three levels into flat keys. Missing fields are
/// `M_MISSING_PARAM`, wrong types `M_BAD_JSON`; both name where in the body the fault is.
enum RoomKeysBody {
    static func keys(_ body: JSONValue, scope: RoomKeyScope) throws(MatrixError) -> [BackedUpRoomKey] {
        switch scope {
        case .session(let roomId, let sessionId):
            return [try key(body, roomId: roomId, sessionId: sessionId, at: "body")]
        case .room(let roomId):
            return try sessions(body, roomId: roomId, at: "body")
        case .all:
            let rooms = try member(try object(body, at: "body"), "rooms", at: "body")
            var keys: [BackedUpRoomKey] = []
            for (roomId, room) in try object(rooms, at: "rooms") {
                keys += try sessions(room, roomId: roomId, at: "rooms[\(roomId)]")
            }
            return keys
        }
    }

    /// `{"sessions": {sessionId: KeyBackupData}}` of one room.
    private static func sessions(_ value: JSONValue, roomId: String, at path: String) throws(MatrixError)
        -> [BackedUpRoomKey]
    {
        let sessions = try member(try object(value, at: path), "sessions", at: path)
        var keys: [BackedUpRoomKey] = []
        for (sessionId, data) in try object(sessions, at: "\(path).sessions") {
            keys.append(try key(data, roomId: roomId, sessionId: sessionId,
                                at: "\(path).sessions[\(sessionId)]"))
        }
        return keys
    }

    /// One `KeyBackupData`: `first_message_index`, `forwarded_count`, `is_verified`, `session_data`.
    private static func key(_ value: JSONValue, roomId: String, sessionId: String, at path: String)
        throws(MatrixError) -> BackedUpRoomKey
    {
        let data = try object(value, at: path)
        let sessionData = try object(try member(data, "session_data", at: path), at: "\(path).session_data")
        guard case .bool(let isVerified) = try member(data, "is_verified", at: path) else {
            throw MatrixError.badJSON("\(path).is_verified must be a boolean")
        }
        return BackedUpRoomKey(
            roomId: roomId, sessionId: sessionId,
            firstMessageIndex: try count(data, "first_message_index", at: path),
            forwardedCount: try count(data, "forwarded_count", at: path),
            isVerified: isVerified, sessionData: CanonicalJSON.encodeLenient(.object(sessionData)))
    }

    private static func count(_ object: JSONObject, _ name: String, at path: String) throws(MatrixError) -> Int64 {
        guard case .int(let value) = try member(object, name, at: path), value >= 0 else {
            throw MatrixError.badJSON("\(path).\(name) must be a non-negative integer")
        }
        return value
    }

    private static func member(_ object: JSONObject, _ name: String, at path: String) throws(MatrixError)
        -> JSONValue
    {
        guard let value = object[name], !value.isNull else {
            throw MatrixError.missingParam("\(path).\(name) is required")
        }
        return value
    }

    private static func object(_ value: JSONValue, at path: String) throws(MatrixError) -> JSONObject {
        guard case .object(let object) = value else {
            throw MatrixError.badJSON("\(path) must be an object, not \(value.typeName)")
        }
        return object
    }
}
