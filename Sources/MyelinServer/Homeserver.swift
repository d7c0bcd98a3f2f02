import FoundationEssentials
import Hummingbird
import Logging
import MatrixCore
import MyelinAccounts
import MyelinHTTP
import MyelinStorage
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
    public static func open(config: MyelinConfig, logger: Logger, clock: WallClock = .system,
                            passwordParameters: PasswordHasher.Parameters? = nil) async throws -> Homeserver {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
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
        let services = MatrixServices(settings: config.httpSettings, accounts: accounts)
        return Homeserver(config: config, database: database, services: services, logger: logger)
    }

    private init(config: MyelinConfig, database: MyelinDatabase, services: MatrixServices, logger: Logger) {
        self.config = config
        self.database = database
        self.services = services
        self.logger = logger
    }

    /// The HTTP application. `onRunning` receives the bound port (useful with port 0).
    public func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let responder = MatrixResponder(
            routes: services.routeTable(), settings: services.settings, sessions: services.sessions,
            rateLimiter: services.rateLimiter, logger: logger)
        let logger = self.logger
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(config.listenAddress, port: config.listenPort),
                                 serverName: "Myelin"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onRunning(port)
            },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish, flushes the
    /// writer and closes the database.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(
            services: [makeApplication()], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await database.close()
        logger.notice("stopped cleanly")
    }
}

extension MyelinConfig {
    var accountsSettings: AccountsSettings {
        AccountsSettings(
            serverName: serverName, registrationMode: registrationMode, allowGuests: allowGuests,
            sharedSecret: registrationSharedSecret.isEmpty ? nil : registrationSharedSecret,
            passwordMinLength: passwordMinLength,
            refreshableAccessTokenLifetimeMs: Int64(refreshableAccessTokenLifetimeS) * 1000,
            loginTokenLifetimeMs: Int64(loginTokenLifetimeS) * 1000)
    }

    var httpSettings: HTTPSettings {
        HTTPSettings(
            serverName: serverName, maxBodyBytes: maxBodyBytes, maxJSONDepth: maxJSONDepth,
            wellKnownClientBaseURL: wellKnownClientBaseURL.isEmpty ? nil : wellKnownClientBaseURL,
            wellKnownServer: wellKnownServer.isEmpty ? nil : wellKnownServer,
            trustForwardedFor: trustForwardedFor, logRequests: logRequests,
            rateLimits: RateLimitSettings(
                enabled: rateLimitEnabled,
                login: .init(perSecond: loginPerSecond, burst: loginBurst),
                registration: .init(perSecond: registrationPerSecond, burst: registrationBurst),
                failedLogin: .init(perSecond: failedLoginPerSecond, burst: failedLoginBurst),
                message: .init(perSecond: messagePerSecond, burst: messageBurst),
                exemptUsers: Set(rateLimitExemptUsers), exemptAddresses: Set(rateLimitExemptAddresses)))
    }
}

/// A homeserver serving in the background (tests, and anything that needs its port).
public final class RunningHomeserver: Sendable {
    public let homeserver: Homeserver
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public static func start(_ homeserver: Homeserver) async throws -> RunningHomeserver {
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = homeserver.makeApplication { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: homeserver.logger))
        let task = Task { try await group.run() }
        var port = 0
        for await bound in portStream {
            port = bound
            break
        }
        return RunningHomeserver(homeserver: homeserver, port: port, group: group, task: task)
    }

    private init(homeserver: Homeserver, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.homeserver = homeserver
        self.port = port
        self.group = group
        self.task = task
    }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        try await homeserver.database.close()
    }
}
