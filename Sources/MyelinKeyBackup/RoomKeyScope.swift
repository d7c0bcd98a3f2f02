/// Which keys of a backup version a `/room_keys/keys` request addresses.
public enum RoomKeyScope: Sendable, Equatable {
    case all
    case room(String)
    case session(roomId: String, sessionId: String)

    var roomId: String? {
        switch self {
        case .all: nil
        case .room(let roomId), .session(let roomId, _): roomId
        }
    }

    var sessionId: String? {
        if case .session(_, let sessionId) = self { return sessionId }
        return nil
    }
}
