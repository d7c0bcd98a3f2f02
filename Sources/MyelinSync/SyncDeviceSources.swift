import MyelinStorage

/// What sync reads for end-to-end encryption: to-device messages, device list changes and key counts,
/// and the feeds that say when the first two changed.
public struct SyncDeviceSources: Sendable {
    public let toDevice: ToDeviceStore
    public let deviceLists: DeviceListStore
    public let keys: E2EEKeyStore
    /// Users whose device lists changed (`AccountsContext.deviceListChanges`).
    public let deviceListChanges: ChangeFeed<String>

    public init(toDevice: ToDeviceStore, deviceLists: DeviceListStore, keys: E2EEKeyStore,
                deviceListChanges: ChangeFeed<String>) {
        self.toDevice = toDevice
        self.deviceLists = deviceLists
        self.keys = keys
        self.deviceListChanges = deviceListChanges
    }
}
