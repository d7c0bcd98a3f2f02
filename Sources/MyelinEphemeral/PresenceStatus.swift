import MatrixCore
import MyelinStorage

/// The spec's three presence states.
public enum PresenceState: String, Sendable, CaseIterable {
    case online
    case unavailable
    case offline
}

/// One user's presence as the server holds it.
public struct PresenceStatus: Sendable, Equatable {
    public var state: PresenceState
    public var statusMsg: String?
    /// When the user was last active (ms since the epoch); 0 when never seen.
    public var lastActiveTs: Int64
    /// Only meaningful while online: the user was active within the last minute or so, and further
    /// activity does not produce updates until this turns false.
    public var currentlyActive: Bool
    /// The position of the user's last change in the presence stream (0: never changed).
    public var position: Int64

    /// A user the server knows nothing about: offline.
    public static let unknown = PresenceStatus(state: .offline, statusMsg: nil, lastActiveTs: 0,
                                               currentlyActive: false, position: 0)

    public init(state: PresenceState, statusMsg: String?, lastActiveTs: Int64, currentlyActive: Bool,
                position: Int64) {
        self.state = state
        self.statusMsg = statusMsg
        self.lastActiveTs = lastActiveTs
        self.currentlyActive = currentlyActive
        self.position = position
    }

    /// The body of `GET /presence/{userId}/status` and the content of `m.presence`, as Synapse shapes it:
    /// `last_active_ago` when the user was ever active, `status_msg` when set, `currently_active` when online.
    public func content(nowMs: Int64) -> JSONObject {
        var content: JSONObject = ["presence": .string(state.rawValue)]
        if lastActiveTs > 0 { content["last_active_ago"] = .int(max(0, nowMs - lastActiveTs)) }
        if let statusMsg, !statusMsg.isEmpty { content["status_msg"] = .string(statusMsg) }
        if state == .online { content["currently_active"] = .bool(currentlyActive) }
        return content
    }

    /// The `m.presence` event sync serves for `userId`.
    public func event(userId: String, nowMs: Int64) -> JSONObject {
        ["type": "m.presence", "sender": .string(userId), "content": .object(content(nowMs: nowMs))]
    }

    init(_ record: PresenceRecord) {
        self.init(state: PresenceState(rawValue: record.state) ?? .offline, statusMsg: record.statusMsg,
                  lastActiveTs: record.lastActiveTs, currentlyActive: record.currentlyActive,
                  position: record.streamPos)
    }

    func record(userId: String) -> PresenceRecord {
        PresenceRecord(userId: userId, state: state.rawValue, statusMsg: statusMsg, lastActiveTs: lastActiveTs,
                       currentlyActive: currentlyActive, streamPos: position)
    }
}
