import Foundation

/// Runs a program to completion, feeding `input`, and returns its status and combined output. Without
/// `executable`, the first argument is looked up on PATH (python3, openssl). Reading happens off the
/// cooperative pool.
func runProgram(_ arguments: [String], executable: URL? = nil, environment: [String: String]? = nil,
                directory: String? = nil, input: String? = nil, timeout: Duration = .seconds(60)) async throws
    -> (status: Int32, output: String)
{
    let process = Process()
    process.executableURL = executable ?? URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let watchdog = Task {
        try await Task.sleep(for: timeout)
        if process.isRunning { process.terminate() }
    }
    let data = await drain(output, until: process)
    watchdog.cancel()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Reads a pipe to its end and waits for the process, on a thread of its own: blocking reads on the
/// cooperative pool (two threads here) would starve the in-process servers the tests talk to.
func drain(_ pipe: Pipe, until process: Process) async -> Data {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: data)
        }
    }
}

/// The Python that has the test dependencies (scripts/run-tests.sh sets it).
var testPython: String { ProcessInfo.processInfo.environment["MYELIN_TEST_PYTHON"] ?? "python3" }

let interopDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Interop")
