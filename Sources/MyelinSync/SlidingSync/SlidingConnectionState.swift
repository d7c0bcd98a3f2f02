/// What one sliding sync connection has sent so far, so the next answer sends only what changed
/// (MSC4186 "Connections"): per room whether the client is up to date with it, the room config it was
/// last sent with, and which members' state lazy loading already sent.
public struct SlidingConnectionState: Sendable, Equatable {
    public enum RoomStatus: Sendable, Equatable {
        /// Sent, and every change since is in the answers that followed.
        case live
        /// Sent, but changes after this room stream position were not (the room left the window).
        case previously(since: Int64)
    }

    public var rooms: [String: RoomStatus] = [:]
    public var configs: [String: SlidingRoomConfig] = [:]
    /// Room ID → users whose member event lazy loading sent.
    public var lazyMembers: [String: Set<String>] = [:]

    /// More tracked lazy members than this in one room: forget them and send again (bounded memory).
    static let maxLazyMembersPerRoom = 1000

    public init() {}

    /// A rough count of the entries held (for the memory bound on connections).
    var weight: Int { rooms.count + configs.count + lazyMembers.values.reduce(0) { $0 + $1.count } }

    mutating func rememberLazyMembers(_ users: Set<String>, in roomId: String) {
        guard !users.isEmpty else { return }
        var known = lazyMembers[roomId] ?? []
        known.formUnion(users)
        lazyMembers[roomId] = known.count > Self.maxLazyMembersPerRoom ? nil : known
    }
}
