import Foundation
import MatrixCore
import MyelinTestSupport

/// The built `myelin` binary run as a real process (signals, crashes, CLI).
final class ServerProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let dataDir: String
    let client: TestClient

    /// `.build/<config>/myelin`, next to the test bundle.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("myelin")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/myelin")
    }

    /// A port that was free a moment ago.
    /// Below the ephemeral range: these servers are killed and started again on the same port.
    static func freePort() throws -> Int {
        do { return try LoopbackPort.freeOutsideEphemeralRange() } catch { throw TestFailure("cannot find a free port") }
    }

    static func environment(dataDir: String, port: Int, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MYELIN_") }
        environment["MYELIN_DATA_DIR"] = dataDir
        environment["MYELIN_LISTEN__PORT"] = String(port)
        environment["MYELIN_REGISTRATION__MODE"] = "open"
        environment["MYELIN_RATE_LIMIT__ENABLED"] = "false"
        environment["MYELIN_AUTH__ARGON2_OPS"] = "1"
        environment["MYELIN_AUTH__ARGON2_MEMORY_KIB"] = "64"
        environment["MYELIN_LOG__LEVEL"] = "warning"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Starts `myelin serve` and waits until it answers `/versions`.
    static func start(dataDir: String, port: Int? = nil, extraEnvironment: [String: String] = [:]) async throws
        -> ServerProcess
    {
        let port = try port ?? freePort()
        let child = try ChildProcess.spawn(
            binary.path, ["serve"], environment: environment(dataDir: dataDir, port: port, extra: extraEnvironment),
            directory: dataDir)
        let server = ServerProcess(child: child, port: port, dataDir: dataDir)
        for _ in 0..<300 {
            if let response = try? await server.client.get("/_matrix/client/versions"), response.status == 200 {
                return server
            }
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        child.signal(SIGKILL)
        throw TestFailure("myelin serve did not come up: \(server.outputText())")
    }

    private init(child: ChildProcess, port: Int, dataDir: String) {
        self.child = child
        self.port = port
        self.dataDir = dataDir
        self.client = TestClient(baseURL: "http://127.0.0.1:\(port)")
    }

    func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// Waits for the process to exit and returns its status (128 + n when signal n killed it).
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = child.exitStatus { return status }
            guard ContinuousClock.now < deadline else {
                child.signal(SIGKILL)
                throw TestFailure("myelin did not exit in time")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What the server has printed and nobody has read yet.
    func outputText() -> String {
        String(decoding: child.readAvailable(), as: UTF8.self)
    }

    /// Runs a `myelin` command to completion and returns its status and combined output.
    static func run(_ arguments: [String], dataDir: String, stdin: String? = nil,
                    extraEnvironment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await runProgram(
            arguments, executable: binary, environment: environment(dataDir: dataDir, port: 8008, extra: extraEnvironment),
            directory: dataDir, input: stdin)
    }
}
