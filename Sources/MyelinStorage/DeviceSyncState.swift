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

    /// To-device messages in `toDevice` = (after, upTo], at most `limit`; device list changes over the
    /// room and device list ranges when both are given.
    static func read(_ db: Database, userNid: Int64, userId: String, deviceId: String, toDevice: ClosedRange<Int64>,
                     limit: Int, rooms: ClosedRange<Int64>?, deviceLists: ClosedRange<Int64>?) throws
        -> DeviceSyncState
    {
        let pending = try ToDeviceStore.pending(db, userNid: userNid, deviceId: deviceId, after: toDevice.lowerBound,
                                                upTo: toDevice.upperBound, limit: limit)
        var changes: DeviceListChanges?
        if let rooms, let deviceLists {
            changes = try DeviceListStore.changes(db, for: userId, rooms: rooms, deviceLists: deviceLists)
        }
        return DeviceSyncState(
            toDevice: pending.messages, hasAcknowledged: pending.hasAcknowledged, deviceLists: changes,
            oneTimeKeyCounts: try E2EEKeyStore.counts(db, userNid: userNid, deviceId: deviceId),
            unusedFallbackAlgorithms: try E2EEKeyStore.unusedFallbackAlgorithms(db, userNid: userNid,
                                                                                deviceId: deviceId))
    }
}
