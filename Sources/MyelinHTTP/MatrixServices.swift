import MyelinAccounts
import MyelinKeyBackup
import MyelinE2EE
import MyelinEphemeral
import MyelinFederation
import MyelinMedia
import MyelinProfiles
import MyelinRooms
import MyelinSync
import MyelinStorage

/// The services the HTTP handlers call. Handlers stay thin: decode, call one of these, encode.
public struct MatrixServices: Sendable {
    public let settings: HTTPSettings
    public let accounts: AccountsContext
    public let sessions: SessionService
    public let registration: RegistrationService
    public let account: AccountService
    public let accountData: AccountDataService
    public let filters: FilterService
    public let sharedSecret: SharedSecretRegistration
    public let registrationTokens: RegistrationTokenAdmin
    public let rateLimiter: RateLimiter
    /// The memory request bodies in flight share (`RequestLimits.bodyBudgetBytes`).
    public let bodyBudget: RequestBodyBudget
    /// Open connections per address and unauthenticated (nil when both caps are off).
    public let connections: ConnectionLimiter?
    public let media: MediaService
    public let keyBackup: KeyBackupService
    public let keys: KeysService
    public let crossSigning: CrossSigningService
    public let signatureUpload: SignatureUploadService
    public let toDevice: ToDeviceService
    public let rooms: RoomService
    public let sync: SyncService
    public let slidingSync: SlidingSyncService
    public let profiles: ProfileService
    public let userDirectory: UserDirectoryService
    public let roomTags: RoomTagService
    public let openID: OpenIDTokens
    /// Typing, receipts and read markers, presence.
    public let ephemeral: EphemeralServices
    /// Nil when URL previews are off (the default): the preview routes are then absent.
    public let urlPreview: URLPreviewService?
    /// Nil when federation is off: the federation routes are then absent.
    public let federation: FederationServices?

    public init(settings: HTTPSettings, accounts: AccountsContext, e2eeKeys: E2EEKeyStore, toDevice: ToDeviceStore,
                media: MediaService,
                keyBackup: KeyBackupService, rooms: RoomService, sync: SyncService, profiles: ProfileService,
                userDirectory: UserDirectoryService, ephemeral: EphemeralServices,
                urlPreview: URLPreviewService? = nil, remoteKeys: (any RemoteKeyQuerier)? = nil,
                federation: FederationServices? = nil,
                slidingSyncConnections: SlidingSyncConnections = SlidingSyncConnections()) {
        self.settings = settings
        self.federation = federation
        self.media = media
        self.keyBackup = keyBackup
        self.urlPreview = urlPreview
        self.rooms = rooms
        self.sync = sync
        self.slidingSync = SlidingSyncService(sync: sync, connections: slidingSyncConnections)
        self.profiles = profiles
        self.userDirectory = userDirectory
        self.roomTags = RoomTagService(rooms: rooms, accounts: accounts)
        self.openID = OpenIDTokens(clock: accounts.clock)
        self.ephemeral = ephemeral
        self.accounts = accounts
        let sessions = SessionService(context: accounts)
        self.sessions = sessions
        let registration = RegistrationService(context: accounts, sessions: sessions)
        self.registration = registration
        self.account = AccountService(context: accounts, sessions: sessions, registration: registration)
        self.accountData = AccountDataService(context: accounts)
        self.filters = FilterService(context: accounts)
        self.sharedSecret = SharedSecretRegistration(secret: accounts.settings.sharedSecret, clock: accounts.clock)
        self.registrationTokens = RegistrationTokenAdmin(context: accounts)
        self.rateLimiter = RateLimiter(settings: settings.rateLimits)
        // Never smaller than one largest body, or such a body could never be read.
        self.bodyBudget = RequestBodyBudget(capacity: max(settings.limits.bodyBudgetBytes, settings.maxBodyBytes))
        let limits = settings.limits
        self.connections = limits.maxConnectionsPerAddress == 0 && limits.maxUnauthenticatedConnections == 0 ? nil
            : ConnectionLimiter(maxPerAddress: limits.maxConnectionsPerAddress,
                                maxUnauthenticated: limits.maxUnauthenticatedConnections,
                                exemptAddresses: settings.rateLimits.exemptAddresses)
        self.keys = KeysService(context: accounts, store: e2eeKeys, remote: remoteKeys)
        self.crossSigning = CrossSigningService(context: accounts, store: e2eeKeys, sessions: sessions)
        self.signatureUpload = SignatureUploadService(context: accounts, store: e2eeKeys)
        self.toDevice = ToDeviceService(context: accounts, store: toDevice)
    }

    /// Every route the server answers.
    public func routeTable() -> RouteTable {
        var table = RouteTable()
        table.add(DiscoveryRoutes(services: self).routes)
        table.add(RegistrationRoutes(services: self).routes)
        table.add(LoginRoutes(services: self).routes)
        table.add(AccountRoutes(services: self).routes)
        table.add(DeviceRoutes(services: self).routes)
        table.add(AccountDataRoutes(services: self).routes)
        table.add(FilterRoutes(services: self).routes)
        table.add(RoomTagRoutes(services: self).routes)
        table.add(KeyBackupRoutes(services: self).routes)
        table.add(KeysRoutes(services: self).routes)
        table.add(ToDeviceRoutes(services: self).routes)
        table.add(AdminRoutes(services: self).routes)
        table.add(ServerAdministrationRoutes(services: self).routes)
        table.add(MediaRoutes(services: self).routes)
        table.add(SyncRoutes(services: self).routes)
        table.add(SlidingSyncRoutes(services: self).routes)
        table.add(RoomCreationRoutes(services: self).routes)
        table.add(RoomSendRoutes(services: self).routes)
        table.add(RoomMembershipRoutes(services: self).routes)
        table.add(RoomReadRoutes(services: self).routes)
        table.add(RoomDirectoryRoutes(services: self).routes)
        table.add(RoomUpgradeRoutes(services: self).routes)
        table.add(ReportRoutes(services: self).routes)
        table.add(SpaceHierarchyRoutes(services: self).routes)
        table.add(RoomSummaryRoutes(services: self).routes)
        table.add(MutualRoomsRoutes(services: self).routes)
        table.add(OpenIDRoutes(services: self).routes)
        table.add(ProfileRoutes(services: self).routes)
        table.add(UserDirectoryRoutes(services: self).routes)
        table.add(TypingRoutes(services: self).routes)
        table.add(ReceiptRoutes(services: self).routes)
        table.add(PresenceRoutes(services: self).routes)
        table.add(PushRuleRoutes().routes)
        table.add(PusherRoutes().routes)
        table.add(ThirdPartyLookupRoutes().routes)
        table.add(ThirdPartyIdentifierRoutes().routes)
        table.add(ApplicationServiceRoutes().routes)
        table.add(VoIPRoutes(turn: settings.turn, nowMs: accounts.clock.nowMs).routes)
        if let preview = urlPreview { table.add(URLPreviewRoutes(preview: preview).routes) }
        if let federation {
            table.add(ServerKeyRoutes(federation: federation.keys).routes)
            table.add(FederationRoutes(federation: federation, rooms: rooms, profiles: profiles).routes)
        }
        return table
    }
}
