import Logging
import MyelinAccounts
import MyelinSync

/// The whole configuration, typed. Every field has its default here and is documented, with the same
/// default, in `config/myelin.example.toml` (a test keeps the two in step).
public struct MyelinConfig: Sendable, Equatable {
    public var serverName = "localhost"
    public var dataDir = "./myelin-data"
    public var memoryBudgetMB = 256

    public var listenAddress = "127.0.0.1"
    public var listenPort = 8008

    public var logLevel = Logger.Level.info
    public var logRequests = true

    /// Empty: `<data_dir>/myelin.sqlite`.
    public var databasePath = ""
    public var databaseBusyTimeoutMs = 5000
    public var databaseReaders = 2
    public var databaseBackupsToKeep = 3

    /// Empty: `<data_dir>/signing.key`.
    public var signingKeyPath = ""

    public var httpIdleTimeoutS = 60
    public var maxBodyBytes = 1_048_576
    public var maxJSONDepth = 64
    public var trustForwardedFor = false
    public var unauthenticatedMaxBodyBytes = 64 * 1024
    /// 0: drawn from `memory_budget_mb` (`requestBodyBudgetBytes`).
    public var bodyBudgetMB = 0
    public var requestHeadTimeoutS = 30
    public var bodyMinBytesPerSecond = 1024
    public var bodyRateWindowS = 10
    public var maxConnectionsPerAddress = 64
    public var maxUnauthenticatedConnections = 256

    /// Both empty: no TLS listener (plain HTTP behind a reverse proxy).
    public var tlsCertificatePath = ""
    public var tlsPrivateKeyPath = ""
    public var tlsAddress = "0.0.0.0"
    public var tlsPort = 8448
    public var tlsHandshakeTimeoutS = 10

    public var outboundAllowPrivateAddresses = false
    public var outboundAllowedNetworks: [String] = []
    public var outboundExtraCAFile = ""
    public var outboundMaxConnectionsPerDestination = 4
    public var outboundConnectTimeoutS = 10
    public var outboundReadTimeoutS = 30
    public var outboundTotalTimeoutS = 60
    public var outboundMaxResponseBytes = 10_485_760

    public var federationEnabled = true
    public var federationTrustedKeyServers = ["matrix.org"]
    public var federationMaxQueuedEventsPerDestination = 10_000
    public var federationRetryMaxS = 3600
    public var federationMaxQueuedTransactionsPerOrigin = 8
    public var federationMaxMissingEventsPerPDU = 200
    public var federationMissingEventsTimeoutS = 60

    public var wellKnownClientBaseURL = ""
    public var wellKnownServer = ""
    public var wellKnownSupportPage = ""
    public var wellKnownAdminContacts: [String] = []

    public var registrationMode = RegistrationMode.auto
    public var allowGuests = false
    public var registrationSharedSecret = ""
    public var passwordMinLength = 8

    public var refreshableAccessTokenLifetimeS = 300
    public var loginTokenLifetimeS = 120
    public var argon2Ops = 2
    public var argon2MemoryKiB = 19_456
    public var passwordHashThreads = 1

    public var rateLimitEnabled = true
    public var loginPerSecond = 0.17
    public var loginBurst = 3.0
    public var registrationPerSecond = 0.17
    public var registrationBurst = 3.0
    public var failedLoginPerSecond = 0.17
    public var failedLoginBurst = 3.0
    public var messagePerSecond = 0.2
    public var messageBurst = 10.0
    public var toDevicePerSecond = 20.0
    public var toDeviceBurst = 1000.0
    public var accountDataPerSecond = 1.0
    public var accountDataBurst = 30.0
    public var filterPerSecond = 0.2
    public var filterBurst = 20.0
    public var profilePerSecond = 0.1
    public var profileBurst = 10.0
    public var roomCreationPerSecond = 0.05
    public var roomCreationBurst = 10.0
    public var invitePerSecond = 0.3
    public var inviteBurst = 10.0
    public var keyUploadPerSecond = 1.0
    public var keyUploadBurst = 30.0
    public var keyBackupPerSecond = 2.0
    public var keyBackupBurst = 100.0
    public var reportPerSecond = 0.05
    public var reportBurst = 5.0
    public var directoryPerSecond = 0.1
    public var directoryBurst = 10.0
    public var rateLimitExemptUsers: [String] = []
    public var rateLimitExemptAddresses: [String] = []

    /// `[quotas]`: 0 is "no limit" for the counts and totals.
    public var toDeviceMaxMessageBytes = 65_536
    public var toDeviceMaxPendingPerDevice = 1000
    public var toDeviceMaxPendingBytesPerDevice = 8_388_608
    public var accountDataMaxEntries = 10_000
    public var accountDataMaxBytes = 8_388_608
    public var accountDataMaxEntryBytes = 131_072
    public var filtersMaxPerUser = 200
    public var filterMaxBytes = 16_384
    public var oneTimeKeysMaxPerDevice = 1000

    public var mediaMaxUploadBytes = 52_428_800
    /// 0: no quota.
    public var mediaUserQuotaBytes = 1_073_741_824
    public var mediaFreezeLegacyRoutes = false
    public var mediaPendingLifetimeS = 86_400
    public var mediaMaxPendingPerUser = 10
    public var mediaMaxThumbnailPixels = 32_000_000
    public var mediaThumbnails = true
    /// Empty: `myelin-thumbnailer` beside the server binary, else /usr/lib/myelin/myelin-thumbnailer.
    public var mediaThumbnailerPath = ""
    public var mediaURLPreviewEnabled = false
    public var mediaURLPreviewAllowedNetworks: [String] = []

    public var defaultRoomVersion = "12"
    public var redactionRetentionS = 604_800

    public var userDirectorySearchAllUsers = false
    public var presenceIdleTimeoutS = 300
    public var presenceOfflineTimeoutS = 30

    public var voipTurnURIs: [String] = []
    public var voipTurnSharedSecret = ""
    public var voipTurnUsername = ""
    public var voipTurnPassword = ""
    public var voipTurnUserLifetimeS = 86_400
    public var voipTurnAllowGuests = true

    public init() {}

    public var tlsEnabled: Bool { !tlsCertificatePath.isEmpty && !tlsPrivateKeyPath.isEmpty }

    public var resolvedDatabasePath: String { databasePath.isEmpty ? dataDir + "/myelin.sqlite" : databasePath }
    /// Content files of the media repository.
    public var mediaDirectory: String { dataDir + "/media" }
    public var resolvedSigningKeyPath: String { signingKeyPath.isEmpty ? dataDir + "/signing.key" : signingKeyPath }

    /// SQLite's page cache per connection, from the memory budget: a tenth of the budget shared by the
    /// writer and the readers.
    public var sqliteCacheKiB: Int { max(512, memoryBudgetMB * 1024 / 10 / (databaseReaders + 1)) }

    /// Parsed room events kept in memory for the pipeline: an eighth of the budget.
    /// Request bodies being read at once: `http.body_budget_mb`, else 1/16 of the memory budget (16 MiB at
    /// the default 256), never under 4 MiB (one federation transaction must fit).
    public var requestBodyBudgetBytes: Int {
        bodyBudgetMB > 0 ? bodyBudgetMB << 20 : max(4 << 20, (memoryBudgetMB << 20) / 16)
    }

    public var eventCacheBytes: Int { memoryBudgetMB * 1024 * 1024 / 8 }
    /// Sliding sync connection states are held in memory: about one per 2 MB of the budget (an idle one
    /// for a user in 200 rooms holds tens of kilobytes; see the benchmark figures in the README).
    public var slidingSyncSettings: SlidingSyncConnections.Settings {
        SlidingSyncConnections.Settings(maxConnections: max(16, memoryBudgetMB / 2))
    }
}
