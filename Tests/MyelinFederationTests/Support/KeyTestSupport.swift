import Foundation
import Logging
import MatrixCore
import MyelinFederation
import MyelinStorage

/// A clock the tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(_ start: Int64 = 1_800_000_000_000) { now = start }

    var nowMs: @Sendable () -> Int64 { { [self] in self.read() } }

    func read() -> Int64 { lock.withLock { now } }

    func advance(ms: Int64) { lock.withLock { now += ms } }
}

/// A remote server's signing keys and the key documents it would publish.
struct FakeKeyServer: Sendable {
    let name: String
    let key: SigningKey

    init(_ name: String, seed: UInt8, version: String = "k1") {
        self.name = name
        key = try! SigningKey(version: version, seed: Array(repeating: seed, count: 32))
    }

    var verifyKey: VerifyKey { VerifyKey(key) }

    /// The unsigned `/key/v2/server` document.
    func unsignedDocument(validUntil: Int64, serverName: String? = nil, extraVerifyKeys: [SigningKey] = [],
                          oldKeys: [(SigningKey, Int64)] = []) -> JSONObject {
        var verify: JSONObject = [key.keyId: ["key": .string(key.publicKeyBase64)]]
        for extra in extraVerifyKeys { verify[extra.keyId] = ["key": .string(extra.publicKeyBase64)] }
        var old = JSONObject()
        for (oldKey, expired) in oldKeys {
            old[oldKey.keyId] = ["key": .string(oldKey.publicKeyBase64), "expired_ts": .int(expired)]
        }
        return [
            "server_name": .string(serverName ?? name), "valid_until_ts": .int(validUntil),
            "verify_keys": .object(verify), "old_verify_keys": .object(old),
        ]
    }

    /// The document signed by this server (and any `extraSigners`).
    func document(validUntil: Int64, oldKeys: [(SigningKey, Int64)] = [], extraVerifyKeys: [SigningKey] = [])
        -> JSONObject
    {
        var document = unsignedDocument(validUntil: validUntil, extraVerifyKeys: extraVerifyKeys, oldKeys: oldKeys)
        document = sign(document, by: self)
        for extra in extraVerifyKeys { document = try! JSONSigning.sign(document, as: try! ServerName(parsing: name), with: extra) }
        return document
    }
}

func sign(_ object: JSONObject, by server: FakeKeyServer) -> JSONObject {
    try! JSONSigning.sign(object, as: try! ServerName(parsing: server.name), with: server.key)
}

func jsonResponse(_ object: JSONObject, status: Int = 200) -> FederationResponse {
    FederationResponse(status: status, body: CanonicalJSON.encodeLenient(.object(object)))
}

/// Answers federation requests from a handler and records them.
actor ScriptedTransport: FederationTransport {
    typealias Handler = @Sendable (FederationRequest) async throws -> FederationResponse

    private var handler: Handler
    private(set) var requests: [FederationRequest] = []

    init(_ handler: @escaping Handler = { request in throw FederationError.unreachable(request.destination, "no route") }) {
        self.handler = handler
    }

    func setHandler(_ handler: @escaping Handler) { self.handler = handler }

    func send(_ request: FederationRequest) async throws -> FederationResponse {
        requests.append(request)
        return try await handler(request)
    }

    func count(destination: String? = nil, path: String? = nil) -> Int {
        requests.filter { (destination == nil || $0.destination == destination) && (path == nil || $0.path == path) }.count
    }

    func reset() { requests = [] }
}

/// Serves fixed key documents by server name: `GET /_matrix/key/v2/server` answers with `documents[name]`;
/// notaries answer `POST /_matrix/key/v2/query` from `notaryAnswers[name]`.
struct KeyRoutes: Sendable {
    var documents: [String: JSONObject] = [:]
    var notaryAnswers: [String: [JSONObject]] = [:]

    func handle(_ request: FederationRequest) throws -> FederationResponse {
        switch (request.method, request.path) {
        case (.GET, "/_matrix/key/v2/server"):
            guard let document = documents[request.destination] else {
                throw FederationError.unreachable(request.destination, "connection refused")
            }
            return jsonResponse(document)
        case (.POST, "/_matrix/key/v2/query"):
            guard let entries = notaryAnswers[request.destination] else {
                throw FederationError.unreachable(request.destination, "connection refused")
            }
            return jsonResponse(["server_keys": .array(entries.map(JSONValue.object))])
        default:
            return jsonResponse(["errcode": "M_UNRECOGNIZED", "error": "no"], status: 404)
        }
    }
}

/// A database, our own keys and a `RemoteServerKeys` over a scripted transport.
struct KeyHarness {
    static let ours = FakeKeyServer("ours.example", seed: 1, version: "ours")

    let database: MyelinDatabase
    let directory: String
    let clock: TestClock
    let transport: ScriptedTransport
    let local: LocalServerKeys
    let settings: FederationSettings

    static func make(trusted: [String] = [], settings configure: (inout FederationSettings) -> Void = { _ in },
                     transport: ScriptedTransport = ScriptedTransport()) async throws -> KeyHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "keys-test")
        logger.logLevel = .critical
        let database = try await MyelinDatabase.open(path: directory + "/db.sqlite", logger: logger)
        var settings = FederationSettings()
        settings.trustedKeyServers = trusted
        configure(&settings)
        let clock = TestClock()
        let local = try LocalServerKeys(serverName: try ServerName(parsing: ours.name), signingKey: ours.key,
                                        settings: settings, nowMs: clock.nowMs)
        return KeyHarness(database: database, directory: directory, clock: clock, transport: transport, local: local,
                          settings: settings)
    }

    var logger: Logger {
        var logger = Logger(label: "keys-test")
        logger.logLevel = .critical
        return logger
    }

    var store: ServerKeyStore { ServerKeyStore(database: database) }

    /// A fresh `RemoteServerKeys` (an empty cache) over the same database.
    func remoteKeys(limits: RemoteServerKeys.Limits = .init()) -> RemoteServerKeys {
        RemoteServerKeys(local: local, store: store, transport: transport, settings: settings, limits: limits,
                         nowMs: clock.nowMs, logger: logger)
    }

    func notary(_ remote: RemoteServerKeys) -> KeyNotary {
        KeyNotary(local: local, remote: remote, store: store, nowMs: clock.nowMs, logger: logger)
    }

    func close() async {
        try? await database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a fresh harness and always closes it.
func withKeyHarness(trusted: [String] = [], _ body: (KeyHarness) async throws -> Void) async throws {
    let harness = try await KeyHarness.make(trusted: trusted)
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}
