import Foundation
import MyelinTestSupport

struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A real peer on loopback, run as a subprocess: the Python fixture server or `openssl s_server`.
/// It is killed when this object goes away; the Python one also exits when its stdin closes, so it
/// cannot outlive a crashed test run.
final class PeerProcess: Sendable {
    let port: Int
    private let child: ChildProcess

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    deinit {
        child.signal(SIGKILL)
        child.closeInput()
        child.wait()
    }

    static let fixtureScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/http_fixture.py").path

    /// The Python fixture: plain HTTP, or HTTPS with the given certificate and key.
    static func python(cert: String? = nil, key: String? = nil, host: String = "127.0.0.1") async throws -> PeerProcess {
        var arguments = [fixtureScript, "--host", host]
        if let cert, let key { arguments += ["--cert", cert, "--key", key] }
        return try await start("/usr/bin/env", ["python3"] + arguments) { line in
            line.hasPrefix("PORT ") ? Int(line.dropFirst(5)) : nil
        }
    }

    /// A loopback port whose accept queue is full, so connecting to it hangs.
    static func blackhole() async throws -> PeerProcess {
        try await start("/usr/bin/env", ["python3", fixtureScript, "--blackhole"]) { line in
            line.hasPrefix("PORT ") ? Int(line.dropFirst(5)) : nil
        }
    }

    /// `openssl s_server -www` (HTTP/1.0 status page, then close) with the given certificate.
    static func opensslServer(cert: String, key: String) async throws -> PeerProcess {
        try await start("/usr/bin/env", ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert,
                                         "-key", key, "-www"]) { line in
            // "ACCEPT 127.0.0.1:40123"
            guard line.hasPrefix("ACCEPT "), let colon = line.lastIndex(of: ":") else { return nil }
            return Int(line[line.index(after: colon)...])
        }
    }

    private static func start(_ executable: String, _ arguments: [String],
                              port: @escaping @Sendable (String) -> Int?) async throws -> PeerProcess {
        let child = try ChildProcess.spawn(executable, arguments, input: true, stderr: .null)
        // Reading blocks, so it runs off the cooperative pool; the first line that names a port wins.
        let found: Int? = await ChildProcess.offPool {
            while let line = child.readLine() {
                if let value = port(line) { return value }
            }
            return nil
        }
        guard let found else {
            child.signal(SIGKILL)
            throw FixtureFailure("\(arguments.joined(separator: " ")) did not report a port")
        }
        return PeerProcess(child: child, port: found)
    }
}
