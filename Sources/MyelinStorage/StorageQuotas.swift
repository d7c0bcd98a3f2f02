/// Per-user caps on what a user can make the server store outside rooms (issue #14): without them one
/// logged-in user can fill a small board's disk with to-device messages, account data or filters.
/// A nil limit is no limit. Enforced by the stores, inside the write transaction, so every path that
/// writes (client API, server-managed writes, a future federation inbound path) is held to them.
public struct StorageQuotas: Sendable, Equatable {
    public var toDevice: ToDeviceQuota
    public var accountData: AccountDataQuota
    public var filters: FilterQuota
    /// Most unclaimed one-time keys one device may hold. Clients keep about 50 on the server (libolm and
    /// vodozemac hold at most 100 themselves), so more are keys no one can use.
    public var maxOneTimeKeysPerDevice: Int?

    public init(toDevice: ToDeviceQuota = .init(), accountData: AccountDataQuota = .init(),
                filters: FilterQuota = .init(), maxOneTimeKeysPerDevice: Int? = 1000) {
        self.toDevice = toDevice
        self.accountData = accountData
        self.filters = filters
        self.maxOneTimeKeysPerDevice = maxOneTimeKeysPerDevice
    }

    /// No caps at all (stores built without settings, tests of other things).
    public static let unlimited = StorageQuotas(
        toDevice: .unlimited, accountData: .unlimited, filters: .unlimited, maxOneTimeKeysPerDevice: nil)
}

/// Send-to-device messages waiting for their device.
public struct ToDeviceQuota: Sendable, Equatable {
    /// Largest content of one message, in canonical JSON bytes (an Olm-encrypted room key is ~2 KB).
    public var maxMessageBytes: Int?
    /// Most undelivered messages one device may hold, from all senders together.
    public var maxPendingPerDevice: Int?
    /// Most bytes of undelivered message contents one device may hold.
    public var maxPendingBytesPerDevice: Int?

    public init(maxMessageBytes: Int? = 65_536, maxPendingPerDevice: Int? = 1000,
                maxPendingBytesPerDevice: Int? = 8_388_608) {
        self.maxMessageBytes = maxMessageBytes
        self.maxPendingPerDevice = maxPendingPerDevice
        self.maxPendingBytesPerDevice = maxPendingBytesPerDevice
    }

    public static let unlimited = ToDeviceQuota(maxMessageBytes: nil, maxPendingPerDevice: nil,
                                                maxPendingBytesPerDevice: nil)
}

/// A user's account data, global and per room together (tags and `m.fully_read` included).
public struct AccountDataQuota: Sendable, Equatable {
    /// Most entries. An entry whose content is `{}` (how MSC3391 deletes one) does not count.
    public var maxEntries: Int?
    /// Most bytes of content, all entries together (an overwrite counts its new size only).
    public var maxTotalBytes: Int?
    /// Largest content of one entry, in canonical JSON bytes (`m.direct` of a heavy user is ~100 KB).
    public var maxEntryBytes: Int?

    public init(maxEntries: Int? = 10_000, maxTotalBytes: Int? = 8_388_608, maxEntryBytes: Int? = 131_072) {
        self.maxEntries = maxEntries
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryBytes = maxEntryBytes
    }

    public static let unlimited = AccountDataQuota(maxEntries: nil, maxTotalBytes: nil, maxEntryBytes: nil)
}

/// A user's uploaded filters. There is no API to delete one, so the count only guards against a flood.
public struct FilterQuota: Sendable, Equatable {
    public var maxPerUser: Int?
    /// Largest filter, in canonical JSON bytes (real ones are under 4 KB).
    public var maxBytes: Int?

    public init(maxPerUser: Int? = 200, maxBytes: Int? = 16_384) {
        self.maxPerUser = maxPerUser
        self.maxBytes = maxBytes
    }

    public static let unlimited = FilterQuota(maxPerUser: nil, maxBytes: nil)
}
