import GRDB

/// What every `/sync` round reads before it looks at rooms, in one read transaction (one trip to the
/// reader pool instead of five, each a thread hop; profiles of the sync fan-out showed the hops
/// costing more than the queries): the stream positions, the user's ignore list and memberships (and,
/// where one changed after the client's token, how), the rooms with new events since the token, and
/// the device's end-to-end encryption state.
public struct SyncSnapshot: Sendable {
    public let positions: StreamPositions
    public let ignoredUsers: Set<String>
    public let memberships: [UserMembership]
    /// Rooms with events after `Request.roomsSince` (nil when no such position was given).
    public let roomsWithEvents: Set<Int64>?
    /// For the rooms where the user's membership changed after the client's token (`previous.rooms`):
    /// how it moved, by room NID (empty on an initial sync).
    public let membershipsSince: [Int64: MembershipSince]
    public let devices: DeviceSyncState

    public struct Request: Sendable {
        public var userNid: Int64
        public var userId: String
        public var deviceId: String
        /// The room position new events are counted from (nil: an initial or full-state sync).
        public var roomsSince: Int64?
        /// The client's token positions (rooms, to-device, device lists); nil on an initial sync.
        public var previous: (rooms: Int64, toDevice: Int64, deviceLists: Int64)?
        public var toDeviceLimit: Int
        /// Where the to-device messages start when not at `previous.toDevice` (sliding sync's to-device
        /// extension keeps its own position).
        public var toDeviceSince: Int64?

        public init(userNid: Int64, userId: String, deviceId: String, roomsSince: Int64?,
                    previous: (rooms: Int64, toDevice: Int64, deviceLists: Int64)?, toDeviceLimit: Int) {
            self.userNid = userNid
            self.userId = userId
            self.deviceId = deviceId
            self.roomsSince = roomsSince
            self.previous = previous
            self.toDeviceLimit = toDeviceLimit
        }
    }

    public static func read(from database: MyelinDatabase, _ request: Request) async throws -> SyncSnapshot {
        try await database.read { db in
            let positions = try StreamPositions.read(db)
            let previous = request.previous
            let acknowledged = request.toDeviceSince ?? previous?.toDevice ?? 0
            let devices = try DeviceSyncState.read(
                db, userNid: request.userNid, userId: request.userId, deviceId: request.deviceId,
                toDevice: acknowledged...max(acknowledged, positions.toDevice), limit: request.toDeviceLimit,
                rooms: previous.map { $0.rooms...max($0.rooms, positions.rooms) },
                deviceLists: previous.map { $0.deviceLists...max($0.deviceLists, positions.deviceLists) })
            let memberships = try RoomEventStore.memberships(db, of: request.userId)
            var membershipsSince: [Int64: MembershipSince] = [:]
            if let token = previous?.rooms {
                for membership in memberships where membership.streamPos > token {
                    membershipsSince[membership.roomNid] = try RoomEventStore.membershipSince(
                        db, userId: request.userId, roomNid: membership.roomNid, since: token, upTo: positions.rooms)
                }
            }
            return SyncSnapshot(
                positions: positions,
                ignoredUsers: try AccountDataStore.ignoredUsers(db, userNid: request.userNid),
                memberships: memberships,
                roomsWithEvents: try request.roomsSince.map {
                    try RoomEventStore.roomsWithEvents(db, after: $0, upTo: positions.rooms)
                },
                membershipsSince: membershipsSince,
                devices: devices)
        }
    }
}
