import Foundation
import Testing

/// A real client library against the server: the PyPI package matrix-nio (installed by the README's
/// test command) registers, logs in, asks whoami and logs out.
@Suite struct NioInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/nio_smoke.py")

    @Test func matrixNioRegistersLogsInAndOut() async throws {
        try await withServer { server in
            let process = Process()
            // scripts/run-tests.sh points MYELIN_TEST_PYTHON at a Python that has matrix-nio.
            let python = ProcessInfo.processInfo.environment["MYELIN_TEST_PYTHON"] ?? "python3"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, Self.script.path, "http://127.0.0.1:\(server.running.port)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0, "matrix-nio smoke test failed:\n\(text)")
            #expect(text.contains("nio smoke test passed"), "\(text)")
        }
    }
}
