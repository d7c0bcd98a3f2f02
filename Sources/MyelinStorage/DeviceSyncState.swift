import GRDB

/// What one `/sync` tells a device about end-to-end encryption, read in one trip to the database:
/// its pending to-device messages, whose device lists changed, and its key counts.
public struct DeviceSyncState: Sendable {
    public let toDevice: [ToDeviceMessage]
    /// Messages at or before the client's token are still stored: the caller should acknowledge them.
    public let hasAcknowledged: Bool
    /// Nil when no range was asked for (initial syncs).
    public let deviceLists: DeviceListChanges?
    public let oneTimeKeyCounts: [String: Int]
    public let unusedFallbackAlgorithms: [String]

    public struct Request: Sendable {
        public var userNid: Int64
        public var userId: String
        public var deviceId: String
        /// To-device messages in (after, upTo], at most `limit`.
        public var toDevice: ClosedRange<Int64>
        public var toDeviceLimit: Int
        /// Room and device list stream ranges for `device_lists`; nil for none.
        public var rooms: ClosedRange<Int64>?
        public var deviceLists: ClosedRange<Int64>?

        public init(userNid: Int64, userId: String, deviceId: String, toDevice: ClosedRange<Int64>,
                    toDeviceLimit: Int, rooms: ClosedRange<Int64>?, deviceLists: ClosedRange<Int64>?) {
            self.userNid = userNid
            self.userId = userId
            self.deviceId = deviceId
            self.toDevice = toDevice
            self.toDeviceLimit = toDeviceLimit
            self.rooms = rooms
            self.deviceLists = deviceLists
        }
    }

    static func read(_ db: Database, _ request: Request) throws -> DeviceSyncState {
        do {
            let pending = try ToDeviceStore.pending(
                db, userNid: request.userNid, deviceId: request.deviceId, after: request.toDevice.lowerBound,
                upTo: request.toDevice.upperBound, limit: request.toDeviceLimit)
            var deviceLists: DeviceListChanges?
            if let rooms = request.rooms, let lists = request.deviceLists {
                deviceLists = try DeviceListStore.changes(db, for: request.userId, rooms: rooms, deviceLists: lists)
            }
            return DeviceSyncState(
                toDevice: pending.messages, hasAcknowledged: pending.hasAcknowledged, deviceLists: deviceLists,
                oneTimeKeyCounts: try E2EEKeyStore.counts(db, userNid: request.userNid, deviceId: request.deviceId),
                unusedFallbackAlgorithms: try E2EEKeyStore.unusedFallbackAlgorithms(
                    db, userNid: request.userNid, deviceId: request.deviceId))
        }
    }
}
