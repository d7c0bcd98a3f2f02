import MyelinStorage

/// What sync needs for end-to-end encryption besides the database (read with `SyncSnapshot`): the
/// to-device queue (to acknowledge messages), the device list stream (for `/keys/changes`), and the
/// feeds that say when either changed.
public struct SyncDeviceSources: Sendable {
    public let toDevice: ToDeviceStore
    public let deviceLists: DeviceListStore
    /// Users whose device lists changed (`AccountsContext.deviceListChanges`).
    public let deviceListChanges: ChangeFeed<String>

    public init(toDevice: ToDeviceStore, deviceLists: DeviceListStore, deviceListChanges: ChangeFeed<String>) {
        self.toDevice = toDevice
        self.deviceLists = deviceLists
        self.deviceListChanges = deviceListChanges
    }
}
