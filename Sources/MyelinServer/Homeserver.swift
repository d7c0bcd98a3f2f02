import FoundationEssentials
import Hummingbird
import Logging
import MatrixCore
import MyelinAccounts
import MyelinEphemeral
import MyelinFederation
import MyelinHTTP
import MyelinHTTPClient
import MyelinKeyBackup
import MyelinRooms
import MyelinSync
import MyelinMedia
import MyelinProfiles
import MyelinPush
import MyelinStorage
import MyelinThumbnail
import MyelinTLS
import NIOCore
import ServiceLifecycle

/// A configured homeserver: the database, the services and the HTTP application, wired together.
/// `myelin serve` runs one until a signal; tests start one on an ephemeral port and stop it.
public final class Homeserver: Sendable {
    public let config: MyelinConfig
    public let database: MyelinDatabase
    public let services: MatrixServices
    let logger: Logger

    /// Opens (and upgrades) the database and builds the services. `clock` and `passwordParameters` are
    /// for tests; production uses the system clock and the configured argon2id cost.
    /// `signingKey` is loaded (or created) from `config.resolvedSigningKeyPath` when not given.
    /// `federation` replaces the settings derived from `config`; `federationTransport` is how other servers
    /// are reached (none: the real client, HTTPS through `[outbound]` with the spec's server discovery).
    public static func open(config: MyelinConfig, logger: Logger, clock: WallClock = .system,
                            passwordParameters: PasswordHasher.Parameters? = nil,
                            signingKey: SigningKey? = nil, federation: FederationSettings? = nil,
                            federationTransport: (any FederationTransport)? = nil) async throws -> Homeserver {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        let key = try signingKey ?? SigningKeyFile.loadOrCreate(at: config.resolvedSigningKeyPath).key
        guard let serverName = try? ServerName(parsing: config.serverName) else {
            throw HomeserverError("server_name \(config.serverName) is not a valid server name")
        }
        let database = try await MyelinDatabase.open(
            path: config.resolvedDatabasePath,
            options: DatabaseOptions(busyTimeoutMs: config.databaseBusyTimeoutMs, readers: config.databaseReaders,
                                     backupsToKeep: config.databaseBackupsToKeep, cacheKiB: config.sqliteCacheKiB),
            logger: logger)
        let hasher = PasswordHasher(
            parameters: passwordParameters ?? .init(opsLimit: config.argon2Ops, memoryKiB: config.argon2MemoryKiB),
            threads: config.passwordHashThreads)
        let accounts = AccountsContext(settings: config.accountsSettings, database: database, hasher: hasher,
                                       clock: clock, logger: logger)
        var media = try await MediaService.open(settings: config.mediaSettings, database: database,
                                                nowMs: clock.nowMs, logger: logger)
        if !config.mediaThumbnails {
            logger.info("thumbnails are turned off (media.thumbnails = false)")
        } else if let worker = WorkerThumbnailer.locateWorker(configured: config.mediaThumbnailerPath) {
            media = media.with(thumbnailer: WorkerThumbnailer(
                client: ThumbnailerClient(workerPath: worker), maxInputPixels: config.mediaMaxThumbnailPixels,
                logger: logger))
        } else {
            logger.warning("myelin-thumbnailer not found; thumbnails are not offered",
                           metadata: ["hint": "set media.thumbnailer_path"])
        }
        var preview: URLPreviewService? = nil
        if config.mediaURLPreviewEnabled {
            let client = try HTTPClient(configuration: config.urlPreviewClientConfiguration, logger: logger)
            preview = URLPreviewService(client: client, media: media, nowMs: clock.nowMs)
        }
        let federationSettings = federation ?? config.federationSettings
        let transport: any FederationTransport
        if !federationSettings.enabled {
            transport = DisabledFederationTransport(reason: "federation is turned off")
        } else if let federationTransport {
            transport = federationTransport
        } else {
            let http = try HTTPClient(configuration: config.outboundClientConfiguration, logger: logger)
            transport = FederationClient(serverName: serverName, signingKey: key, http: http,
                                         resolver: ServerResolver(httpClient: http, logger: logger), logger: logger)
        }
        let keyServices: ServerKeyServices
        do {
            keyServices = try ServerKeyServices(
                serverName: serverName, signingKey: key, settings: federationSettings, database: database,
                transport: transport, softwareVersion: MyelinVersion.string, nowMs: clock.nowMs, logger: logger)
        } catch {
            throw HomeserverError("federation settings: \(error.description)")
        }
        let roomStore = RoomEventStore(database: database)
        let pipeline = RoomPipeline(
            store: roomStore, serverName: serverName, signingKey: key, keys: keyServices.remoteKeys,
            cacheBytes: config.eventCacheBytes, nowMs: clock.nowMs, logger: logger)
        let profileStore = ProfileStore(database: database)
        let remoteRooms = federationSettings.enabled
            ? FederatedRooms(pipeline: pipeline, transport: transport, serverName: serverName, signingKey: key,
                             nowMs: clock.nowMs, logger: logger)
            : nil
        let rooms = RoomService(pipeline: pipeline, store: roomStore, settings: config.roomSettings,
                                profiles: StoredMemberProfiles(store: profileStore, serverName: config.serverName),
                                remote: remoteRooms, logger: logger)
        let accountStore = AccountStore(database: database)
        let federationServices = federationSettings.enabled
            ? FederationServices(
                settings: federationSettings, transport: transport, keys: keyServices, rooms: rooms,
                database: database, signingKey: key,
                isLocalUser: { userId in
                    guard let user = try? UserID(parsing: userId) else { return false }
                    return (try? await accountStore.exists(localpart: user.localpart)) ?? false
                },
                nowMs: clock.nowMs, logger: logger)
            : nil
        let ephemeral = EphemeralServices(rooms: rooms, database: database, accountData: accounts.accountData,
                                          clock: clock, settings: config.ephemeralSettings, logger: logger)
        let e2eeKeys = E2EEKeyStore(database: database,
                                    maxOneTimeKeysPerDevice: config.storageQuotas.maxOneTimeKeysPerDevice)
        let toDevice = ToDeviceStore(database: database, quota: config.storageQuotas.toDevice)
        let syncDevices = SyncDeviceSources(toDevice: toDevice, deviceLists: DeviceListStore(database: database),
                                            deviceListChanges: accounts.deviceListChanges)
        let services = MatrixServices(settings: config.httpSettings, accounts: accounts,
                                      e2eeKeys: e2eeKeys, toDevice: toDevice, media: media,
                                      keyBackup: KeyBackupService(store: KeyBackupStore(database: database)),
                                      rooms: rooms,
                                      sync: SyncService(database: database, rooms: rooms,
                                                        accountData: accounts.accountData,
                                                        ephemeral: ephemeral, devices: syncDevices,
                                                        pushActions: PushActionService(
                                                            rooms: rooms, store: PushActionStore(database: database),
                                                            logger: logger),
                                                        logger: logger),
                                      profiles: ProfileService(context: accounts, store: profileStore, rooms: rooms),
                                      userDirectory: UserDirectoryService(
                                        database: database, serverName: config.serverName,
                                        settings: UserDirectorySettings(searchAllUsers: config.userDirectorySearchAllUsers)),
                                      ephemeral: ephemeral,
                                      urlPreview: preview,
                                      federation: federationServices,
                                      slidingSyncConnections: SlidingSyncConnections(
                                        settings: config.slidingSyncSettings))
        return Homeserver(config: config, database: database, services: services, logger: logger)
    }

    private init(config: MyelinConfig, database: MyelinDatabase, services: MatrixServices, logger: Logger) {
        self.config = config
        self.database = database
        self.services = services
        self.logger = logger
    }

    /// Which listener a bound port belongs to.
    public enum Listener: Sendable {
        case plain
        case tls
    }

    /// The services that serve HTTP: the plain listener, and with a certificate configured the TLS
    /// listener and the SIGHUP certificate reloader. `onRunning` receives each bound port (useful with
    /// port 0).
    public func makeServices(onRunning: @escaping @Sendable (Listener, Int) async -> Void = { _, _ in }) throws
        -> [any Service]
    {
        let limits = services.settings.limits
        let limiter = services.connections
        let faults = ClientFaultLog(logger: logger)
        let policy = ConnectionPolicy(limits: limits, idleTimeout: .seconds(Int64(config.httpIdleTimeoutS)),
                                      limiter: limiter, faults: faults)
        let responder = MatrixResponder(
            routes: services.routeTable(), settings: services.settings, sessions: services.sessions,
            rateLimiter: services.rateLimiter, bodyBudget: services.bodyBudget, connections: limiter, faults: faults,
            serverVerifier: services.federation?.verifier, logger: logger)
        let logger = self.logger
        func announce(_ listener: Listener) -> @Sendable (any Channel) async -> Void {
            { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening", metadata: [
                    "address": "\(channel.localAddress.map { "\($0)" } ?? "?")", "tls": "\(listener == .tls)",
                ])
                await onRunning(listener, port)
            }
        }
        var result: [any Service] = [
            Application(
                responder: responder, server: .watchedHTTP1(policy: policy),
                configuration: .init(address: .hostname(config.listenAddress, port: config.listenPort),
                                     serverName: "Myelin"),
                onServerRunning: announce(.plain), logger: logger),
            RedactionPruner(rooms: services.rooms, logger: logger, interval: .seconds(3600)),
            SyncFeeds(sync: services.sync),
            PushActionFeed(pushActions: services.sync.pushActions, announcements: services.rooms.pipeline.announcements),
            EphemeralUpkeep(ephemeral: services.ephemeral, announcements: services.rooms.pipeline.announcements),
            MemoryTrimmer(interval: .seconds(30)),
        ]
        if let federation = services.federation {
            result.append(FederationSenderFeed(sender: federation.sender,
                                               announcements: services.rooms.pipeline.announcements))
            result.append(InboundTransactionPruner(federation: federation))
        }
        if config.tlsEnabled {
            let store: TLSConfigurationStore
            do {
                store = try TLSConfigurationStore(certificateChainPath: config.tlsCertificatePath,
                                                  privateKeyPath: config.tlsPrivateKeyPath)
            } catch {
                throw HomeserverError("cannot load the TLS certificate and key: \(error)")
            }
            result.append(Application(
                responder: responder,
                server: .mbedTLSHTTP1(store: store, handshakeTimeout: .seconds(Int64(config.tlsHandshakeTimeoutS)),
                                      policy: policy),
                configuration: .init(address: .hostname(config.tlsAddress, port: config.tlsPort), serverName: "Myelin"),
                onServerRunning: announce(.tls), logger: logger))
            result.append(CertificateReloader(store: store, logger: logger))
        }
        return result
    }

    /// Fewer malloc arenas (see `MemoryTrimmer.limitArenas`); `myelin serve` calls it first thing.
    public static func limitMallocArenas() {
        MemoryTrimmer.limitArenas()
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish, flushes the
    /// writer and closes the database.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: try makeServices(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await shutdown()
        logger.notice("stopped cleanly")
    }

    /// After the listeners have stopped: ends the thumbnail worker, flushes and closes the database.
    public func shutdown() async throws {
        await services.media.thumbnailer?.shutdown()
        await services.ephemeral.shutdown()
        try await database.close()
    }
}

/// A startup failure worth a plain message.
public struct HomeserverError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension MyelinConfig {
    var roomSettings: RoomSettings {
        RoomSettings(defaultRoomVersion: RoomVersion.named(defaultRoomVersion) ?? .default,
                     redactionRetentionMs: Int64(redactionRetentionS) * 1000)
    }
}

extension Homeserver {
    /// The outbound HTTPS client (federation, remote media, URL previews), configured from `[outbound]`.
    /// Made on demand: it parses the system CA bundle, which a server that never talks out need not hold.
    public func makeOutboundClient() throws -> HTTPClient {
        try HTTPClient(configuration: config.outboundClientConfiguration, logger: logger)
    }
}

extension MyelinConfig {
    /// The client URL previews fetch with: never private addresses (whatever `[outbound]` allows) unless
    /// `media.url_preview_allowed_networks` names them; redirects followed (pages move), each hop checked;
    /// `[outbound] extra_ca_file` trusted like every other outbound request.
    public var urlPreviewClientConfiguration: HTTPClientConfiguration {
        var client = HTTPClientConfiguration()
        client.tls.extraCAFile = outboundExtraCAFile.isEmpty ? nil : outboundExtraCAFile
        client.allowPrivateAddresses = false
        client.allowedPrivateNetworks = mediaURLPreviewAllowedNetworks
        client.followRedirects = true
        client.maxRedirects = 3
        client.maxConnectionsPerDestination = 2
        client.connectTimeout = .seconds(10)
        client.totalTimeout = .seconds(20)
        client.maxResponseBodyBytes = mediaMaxUploadBytes
        return client
    }

    /// The `[outbound]` section as the HTTP client takes it.
    public var outboundClientConfiguration: HTTPClientConfiguration {
        var client = HTTPClientConfiguration()
        client.allowPrivateAddresses = outboundAllowPrivateAddresses
        client.allowedPrivateNetworks = outboundAllowedNetworks
        client.tls.extraCAFile = outboundExtraCAFile.isEmpty ? nil : outboundExtraCAFile
        client.maxConnectionsPerDestination = outboundMaxConnectionsPerDestination
        client.connectTimeout = .seconds(Int64(outboundConnectTimeoutS))
        client.readTimeout = .seconds(Int64(outboundReadTimeoutS))
        client.totalTimeout = .seconds(Int64(outboundTotalTimeoutS))
        client.maxResponseBodyBytes = outboundMaxResponseBytes
        return client
    }

    /// The `[federation]` settings. Not in the TOML file yet: the defaults, with the key cache drawn
    /// from the memory budget (1/1024 of it, 256 KiB at the default budget).
    var federationSettings: FederationSettings {
        var settings = FederationSettings()
        settings.enabled = federationEnabled
        settings.trustedKeyServers = federationTrustedKeyServers
        settings.maxQueuedEventsPerDestination = federationMaxQueuedEventsPerDestination
        settings.retryMaxMs = Int64(federationRetryMaxS) * 1000
        settings.maxQueuedTransactionsPerOrigin = federationMaxQueuedTransactionsPerOrigin
        settings.maxMissingEventsPerPDU = federationMaxMissingEventsPerPDU
        settings.missingEventsTimeoutS = federationMissingEventsTimeoutS
        // 1/1024 of the budget: a key costs ~200 bytes, so 256 MB holds over a thousand servers' keys.
        settings.keyCacheBytes = max(64 * 1024, memoryBudgetMB * 1024)
        return settings
    }

    var ephemeralSettings: EphemeralSettings {
        EphemeralSettings(presenceIdleTimeoutMs: Int64(presenceIdleTimeoutS) * 1000,
                          presenceOfflineTimeoutMs: Int64(presenceOfflineTimeoutS) * 1000)
    }

    var accountsSettings: AccountsSettings {
        AccountsSettings(
            serverName: serverName, registrationMode: registrationMode, allowGuests: allowGuests,
            sharedSecret: registrationSharedSecret.isEmpty ? nil : registrationSharedSecret,
            passwordMinLength: passwordMinLength,
            refreshableAccessTokenLifetimeMs: Int64(refreshableAccessTokenLifetimeS) * 1000,
            loginTokenLifetimeMs: Int64(loginTokenLifetimeS) * 1000, quotas: storageQuotas)
    }

    /// The `[quotas]` section; 0 is "no limit" for the counts and totals.
    var storageQuotas: StorageQuotas {
        func limit(_ value: Int) -> Int? { value == 0 ? nil : value }
        return StorageQuotas(
            toDevice: ToDeviceQuota(
                maxMessageBytes: toDeviceMaxMessageBytes, maxPendingPerDevice: limit(toDeviceMaxPendingPerDevice),
                maxPendingBytesPerDevice: limit(toDeviceMaxPendingBytesPerDevice)),
            accountData: AccountDataQuota(
                maxEntries: limit(accountDataMaxEntries), maxTotalBytes: limit(accountDataMaxBytes),
                maxEntryBytes: accountDataMaxEntryBytes),
            filters: FilterQuota(maxPerUser: limit(filtersMaxPerUser), maxBytes: filterMaxBytes),
            maxOneTimeKeysPerDevice: limit(oneTimeKeysMaxPerDevice))
    }

    var mediaSettings: MediaSettings {
        MediaSettings(
            serverName: serverName, directory: mediaDirectory, maxUploadBytes: mediaMaxUploadBytes,
            userQuotaBytes: mediaUserQuotaBytes == 0 ? nil : Int64(mediaUserQuotaBytes),
            freezeLegacyRoutes: mediaFreezeLegacyRoutes, pendingLifetimeMs: Int64(mediaPendingLifetimeS) * 1000,
            maxPendingPerUser: mediaMaxPendingPerUser, maxThumbnailPixels: mediaMaxThumbnailPixels)
    }

    /// The `[rate_limit]` section.
    var rateLimitSettings: RateLimitSettings {
        var settings = RateLimitSettings(
            enabled: rateLimitEnabled,
            login: .init(perSecond: loginPerSecond, burst: loginBurst),
            registration: .init(perSecond: registrationPerSecond, burst: registrationBurst),
            failedLogin: .init(perSecond: failedLoginPerSecond, burst: failedLoginBurst),
            message: .init(perSecond: messagePerSecond, burst: messageBurst),
            exemptUsers: Set(rateLimitExemptUsers), exemptAddresses: Set(rateLimitExemptAddresses))
        settings.toDevice = .init(perSecond: toDevicePerSecond, burst: toDeviceBurst)
        settings.accountData = .init(perSecond: accountDataPerSecond, burst: accountDataBurst)
        settings.filter = .init(perSecond: filterPerSecond, burst: filterBurst)
        settings.profile = .init(perSecond: profilePerSecond, burst: profileBurst)
        settings.roomCreation = .init(perSecond: roomCreationPerSecond, burst: roomCreationBurst)
        settings.invite = .init(perSecond: invitePerSecond, burst: inviteBurst)
        settings.keyUpload = .init(perSecond: keyUploadPerSecond, burst: keyUploadBurst)
        settings.keyBackup = .init(perSecond: keyBackupPerSecond, burst: keyBackupBurst)
        settings.report = .init(perSecond: reportPerSecond, burst: reportBurst)
        settings.directory = .init(perSecond: directoryPerSecond, burst: directoryBurst)
        return settings
    }

    var httpSettings: HTTPSettings {
        HTTPSettings(
            serverName: serverName, maxBodyBytes: maxBodyBytes, maxJSONDepth: maxJSONDepth,
            wellKnownClientBaseURL: wellKnownClientBaseURL.isEmpty ? nil : wellKnownClientBaseURL,
            wellKnownServer: wellKnownServer.isEmpty ? nil : wellKnownServer,
            supportPage: wellKnownSupportPage.isEmpty ? nil : wellKnownSupportPage, adminContacts: wellKnownAdminContacts,
            trustForwardedFor: trustForwardedFor, logRequests: logRequests,
            rateLimits: rateLimitSettings,
            limits: RequestLimits(
                unauthenticatedMaxBodyBytes: unauthenticatedMaxBodyBytes, bodyBudgetBytes: requestBodyBudgetBytes,
                headTimeoutSeconds: requestHeadTimeoutS, bodyMinBytesPerSecond: bodyMinBytesPerSecond,
                bodyRateWindowSeconds: bodyRateWindowS,
                // Behind a reverse proxy every connection comes from the proxy's address.
                maxConnectionsPerAddress: trustForwardedFor ? 0 : maxConnectionsPerAddress,
                maxUnauthenticatedConnections: maxUnauthenticatedConnections),
            turn: TURNSettings(
                uris: voipTurnURIs, sharedSecret: voipTurnSharedSecret.isEmpty ? nil : voipTurnSharedSecret,
                username: voipTurnUsername.isEmpty ? nil : voipTurnUsername,
                password: voipTurnPassword.isEmpty ? nil : voipTurnPassword,
                lifetimeS: voipTurnUserLifetimeS, allowGuests: voipTurnAllowGuests))
    }
}

/// A homeserver serving in the background (tests, and anything that needs its port).
public final class RunningHomeserver: Sendable {
    public let homeserver: Homeserver
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The TLS listener's port, when TLS is configured.
    public let tlsPort: Int?

    public static func start(_ homeserver: Homeserver) async throws -> RunningHomeserver {
        let (portStream, portContinuation) = AsyncStream<(Homeserver.Listener, Int)>.makeStream()
        let services = try homeserver.makeServices { listener, port in portContinuation.yield((listener, port)) }
        let group = ServiceGroup(configuration: .init(services: services, logger: homeserver.logger))
        let task = Task { try await group.run() }
        var port = 0
        var tlsPort: Int? = nil
        let expected = homeserver.config.tlsEnabled ? 2 : 1
        var seen = 0
        for await (listener, bound) in portStream {
            if listener == .plain { port = bound } else { tlsPort = bound }
            seen += 1
            if seen == expected { break }
        }
        return RunningHomeserver(homeserver: homeserver, port: port, tlsPort: tlsPort, group: group, task: task)
    }

    private init(homeserver: Homeserver, port: Int, tlsPort: Int?, group: ServiceGroup, task: Task<Void, any Error>) {
        self.homeserver = homeserver
        self.port = port
        self.tlsPort = tlsPort
        self.group = group
        self.task = task
    }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try await homeserver.shutdown()
    }
}
