import Foundation
import Logging
import MatrixCore
import MyelinAccounts
import MyelinFederation
import MyelinServer
import Testing

/// A clock the tests can move forward (token expiry without sleeping).
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = 1_800_000_000_000

    var wallClock: WallClock { WallClock { [self] in self.read() } }

    func read() -> Int64 { lock.withLock { now } }

    func advance(ms: Int64) { lock.withLock { now += ms } }
}

/// An in-process homeserver on an ephemeral loopback port with its own temporary data folder.
final class TestServer: Sendable {
    let running: RunningHomeserver
    let client: TestClient
    let dataDir: String
    let clock: ManualClock

    static let password = "correct horse battery"

    /// `configure` adjusts the test defaults (open registration, no rate limits, cheap hashing).
    /// `federation` and `federationTransport` replace the federation settings and the (disabled) transport;
    /// `realFederation` gives the server the real client (HTTPS, discovery) and the system clock, which
    /// other servers' key validity needs.
    static func start(federation: FederationSettings? = nil, federationTransport: (any FederationTransport)? = nil,
                      realFederation: Bool = false,
                      _ configure: (inout MyelinConfig) -> Void = { _ in }) async throws -> TestServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-test-\(UUID().uuidString)").path
        var config = MyelinConfig()
        config.dataDir = dir
        config.listenPort = 0
        config.registrationMode = .open
        config.rateLimitEnabled = false
        config.logRequests = false
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let clock = ManualClock()
        let server = try await Homeserver.open(
            config: config, logger: logger, clock: realFederation ? .system : clock.wallClock,
            passwordParameters: .minimal, federation: federation,
            federationTransport: realFederation ? nil : federationTransport ?? DisabledFederationTransport())
        let running = try await RunningHomeserver.start(server)
        return TestServer(running: running, dataDir: dir, clock: clock)
    }

    private init(running: RunningHomeserver, dataDir: String, clock: ManualClock) {
        self.running = running
        self.client = TestClient(baseURL: "http://127.0.0.1:\(running.port)")
        self.dataDir = dataDir
        self.clock = clock
    }

    var serverName: String { running.homeserver.config.serverName }
    var tlsPort: Int? { running.tlsPort }

    func stop() async throws {
        try await running.stop()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    /// A registered user with its session.
    struct User: Sendable {
        let userId: String
        let localpart: String
        let accessToken: String
        let deviceId: String
    }

    /// Registers through the real UIA dance (401, then m.login.dummy).
    func register(_ localpart: String, password: String = TestServer.password, extra: JSONObject = [:])
        async throws -> User
    {
        var body: JSONObject = ["username": .string(localpart), "password": .string(password)]
        for (key, value) in extra { body[key] = value }
        let first = try await client.post("/_matrix/client/v3/register", .object(body))
        #expect(first.status == 401)
        guard let session = first.json["session"]?.stringValue else {
            throw TestFailure("no UIA session in \(first.json)")
        }
        body["auth"] = ["type": "m.login.dummy", "session": .string(session)]
        let second = try await client.post("/_matrix/client/v3/register", .object(body))
        guard second.status == 200, let token = second.json["access_token"]?.stringValue,
            let userId = second.json["user_id"]?.stringValue, let device = second.json["device_id"]?.stringValue
        else { throw TestFailure("registration of \(localpart) failed: \(second.status) \(second.json)") }
        return User(userId: userId, localpart: localpart, accessToken: token, deviceId: device)
    }

    func login(_ localpart: String, password: String = TestServer.password, extra: JSONObject = [:])
        async throws -> TestResponse
    {
        var body: JSONObject = [
            "type": "m.login.password", "identifier": ["type": "m.id.user", "user": .string(localpart)],
            "password": .string(password),
        ]
        for (key, value) in extra { body[key] = value }
        return try await client.post("/_matrix/client/v3/login", .object(body))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` against a fresh server and always stops it.
func withServer(_ configure: (inout MyelinConfig) -> Void = { _ in },
                _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(configure)
    do {
        try await body(server)
    } catch {
        try? await server.stop()
        throw error
    }
    try await server.stop()
}
