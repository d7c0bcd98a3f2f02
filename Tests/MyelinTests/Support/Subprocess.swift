import Foundation
import MyelinTestSupport

/// Runs a program to completion, feeding `input`, and returns its status and combined output. Without
/// `executable`, the first argument is looked up on PATH (python3, openssl). Reading and waiting happen
/// on a thread of their own: blocking on the cooperative pool (two threads here) would starve the
/// in-process servers the tests talk to.
func runProgram(_ arguments: [String], executable: URL? = nil, environment: [String: String]? = nil,
                directory: String? = nil, input: String? = nil, timeout: Duration = .seconds(60)) async throws
    -> (status: Int32, output: String)
{
    let child = try ChildProcess.spawn(executable?.path ?? "/usr/bin/env", arguments, environment: environment,
                                       directory: directory, input: true)
    let watchdog = Task {
        try await Task.sleep(for: timeout)
        child.signal(SIGKILL)
    }
    let output = await ChildProcess.offPool {
        if let input { child.write(input) }
        child.closeInput()
        return child.readToEnd()
    }
    let status = await ChildProcess.offPool { child.wait() }
    watchdog.cancel()
    return (status, String(decoding: output, as: UTF8.self))
}

/// The Python that has the test dependencies (scripts/run-tests.sh sets it).
var testPython: String { ProcessInfo.processInfo.environment["MYELIN_TEST_PYTHON"] ?? "python3" }

let interopDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Interop")
