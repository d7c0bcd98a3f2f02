import Foundation
import MatrixCore
import MyelinTestSupport
import Testing

/// Synapse from PyPI on loopback as a federation peer (`../shared/interop/synapse_peer.py`): server name
/// `127.0.0.1:PORT` with TLS on that port for federation, and a plain HTTP listener for the test's own
/// client calls. It trusts our test certificate, so it verifies Myelin's TLS as it would in production.
final class SynapsePeer: Sendable {
    let child: ChildProcess
    let port: Int
    let directory: String
    let client: TestClient

    var serverName: String { "127.0.0.1:\(port)" }

    /// The peer script, beside the repository.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/interop/synapse_peer.py").path
    }

    /// Whether the test Python has Synapse (the README's test command installs it).
    static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: script)
    }

    let httpPort: Int

    /// Starts a new peer, or (given the ports and folder of a stopped one) the same server again.
    static func start(port: Int? = nil, httpPort: Int? = nil, directory: String? = nil) async throws -> SynapsePeer {
        let (cert, key) = try await FederationTestSupport.certificate()
        // Below the ephemeral range: `restarted()` binds the same ports again.
        let port = try port ?? LoopbackPort.freeOutsideEphemeralRange()
        let httpPort = try httpPort ?? LoopbackPort.freeOutsideEphemeralRange()
        let directory = directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("synapse-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let child = try ChildProcess.spawn(
            "/usr/bin/env",
            [testPython, script, "--dir", directory, "--port", String(port), "--http-port", String(httpPort),
             "--cert", cert, "--key", key, "--ca", cert],
            stdout: .null, stderr: .null)
        let peer = SynapsePeer(child: child, port: port, httpPort: httpPort, directory: directory,
                               client: TestClient(baseURL: "http://127.0.0.1:\(httpPort)"))
        for _ in 0..<600 {
            if let response = try? await peer.client.get("/_matrix/client/versions"), response.status == 200 {
                return peer
            }
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        peer.stop()
        throw TestFailure("Synapse did not come up: \(peer.log().suffix(3000))")
    }

    private init(child: ChildProcess, port: Int, httpPort: Int, directory: String, client: TestClient) {
        self.child = child
        self.port = port
        self.httpPort = httpPort
        self.directory = directory
        self.client = client
    }

    /// SIGTERM, then SIGKILL if it lingers.
    func stop() {
        child.signal(SIGTERM)
        for _ in 0..<100 {
            if !child.isRunning { return }
            usleep(50_000)
        }
        child.signal(SIGKILL)
        _ = child.wait()
    }

    /// Stops it and starts it again on the same ports with the same data. While it was down, another
    /// connection may have been given one of its ports as a local port, and a keep-alive connection holds
    /// it for as long as it lives (a CI run once saw more than 5 s): tries for half a minute.
    func restarted() async throws -> SynapsePeer {
        stop()
        var lastError: (any Error)? = nil
        for _ in 0..<30 {
            do {
                return try await SynapsePeer.start(port: port, httpPort: httpPort, directory: directory)
            } catch {
                lastError = error
                try await Task.sleep(for: .seconds(1))
            }
        }
        throw lastError ?? TestFailure("Synapse did not come back")
    }

    func log() -> String {
        (try? String(contentsOfFile: directory + "/homeserver.log", encoding: .utf8)) ?? ""
    }
}

extension ClientAPIPeer {
    /// Registers through the UIA dance (open registration with `m.login.dummy`), on any server.
    func register(_ localpart: String) async throws -> TestServer.User {
        let body: JSONObject = ["username": .string(localpart), "password": .string(TestServer.password)]
        let first = try await client.post("/_matrix/client/v3/register", .object(body))
        guard let session = first.json["session"]?.stringValue else {
            throw TestFailure("no UIA session: \(first.status) \(first.json)")
        }
        var second = body
        second["auth"] = ["type": "m.login.dummy", "session": .string(session)]
        var response = try await client.post("/_matrix/client/v3/register", .object(second))
        if response.errcode == "M_USER_IN_USE" {
            // The HTTP client resent the request on a connection the server had just closed, after the
            // server had registered the user: log in instead.
            response = try await client.post("/_matrix/client/v3/login", [
                "type": "m.login.password", "identifier": ["type": "m.id.user", "user": .string(localpart)],
                "password": .string(TestServer.password),
            ])
        }
        guard response.status == 200, let token = response.json["access_token"]?.stringValue,
            let userId = response.json["user_id"]?.stringValue, let device = response.json["device_id"]?.stringValue
        else { throw TestFailure("registration of \(localpart) failed: \(response.status) \(response.json)") }
        return TestServer.User(userId: userId, localpart: localpart, accessToken: token, deviceId: device)
    }
}
