import CSpawn
import Foundation
import Glibc
import Synchronization

/// A program the tests run (python3, openssl, the built `myelin`), spawned with posix_spawn.
///
/// Not Foundation's `Process`: the toolchain's `Process.run()` over-reads a buffer while it lists
/// `/proc/self/fd` (swift-corelibs-foundation#5472) and killed the whole test process now and then
/// with SIGSEGV when many descriptors were open. posix_spawn has no such scan: the file actions below
/// close every descriptor above 2 in the child.
public final class ChildProcess: Sendable {
    public enum Output: Sendable {
        /// A pipe this object reads (`readToEnd`, `readLine`); stderr `.pipe` shares stdout's pipe.
        case pipe
        case null
        /// The test runner's own stream.
        case inherit
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    /// Our end of the child's stdin, or -1 when stdin is /dev/null.
    private let inputFD: Int32
    /// Our end of the child's stdout (and stderr when both are `.pipe`), or -1.
    private let outputFD: Int32
    /// The exit status once reaped: `exit` code, or 128 + signal number as a shell reports it.
    private let reaped = Mutex<Int32?>(nil)
    private let descriptorsClosed = Mutex<(input: Bool, output: Bool)>((false, false))

    private init(pid: pid_t, inputFD: Int32, outputFD: Int32) {
        self.pid = pid
        self.inputFD = inputFD
        self.outputFD = outputFD
    }

    deinit {
        if reaped.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            _ = wait()
        }
        closeInput()
        closeOutput()
    }

    /// Starts `executable` (an absolute path; use `/usr/bin/env` to look a name up on PATH).
    /// `directory` is applied through `env -C`, as glibc's chdir file action is not visible to Swift.
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             directory: String? = nil, input: Bool = false, stdout: Output = .pipe,
                             stderr: Output = .pipe) throws(SpawnError) -> ChildProcess
    {
        var program = executable
        var argv = [executable] + arguments
        if let directory {
            program = "/usr/bin/env"
            argv = ["/usr/bin/env", "-C", directory, executable] + arguments
        }
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        func closeAll() { for fd in inputPipe + outputPipe where fd >= 0 { close(fd) } }
        if input, pipe(&inputPipe) != 0 { throw SpawnError(description: "pipe: errno \(errno)") }
        if stdout == .pipe || stderr == .pipe, pipe(&outputPipe) != 0 {
            closeAll()
            throw SpawnError(description: "pipe: errno \(errno)")
        }
        // Our ends must not leak into other children spawned concurrently (a leaked write end would
        // hide a child's exit from the reader). dup2 onto 0/1/2 clears the flag on the child's copies.
        for fd in inputPipe + outputPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input {
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        for (target, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .pipe: posix_spawn_file_actions_adddup2(&actions, outputPipe[1], target)
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .inherit: break
            }
        }
        // Nothing else reaches the child: the in-process servers' sockets (NIO sets no close-on-exec) would
        // otherwise stay open in it, and a connection the server closed would never end for its client.
        myelin_spawn_close_from(&actions, 3)

        // The test runner's threads block some signals; a child must start with none blocked and the
        // default actions, or SIGTERM would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?]? = environment.map { environment in
            environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment ?? [] { free(pointer) }
        }
        var pid: pid_t = 0
        let result = cEnvironment.map { envp in
            posix_spawn(&pid, program, &actions, &attributes, cArguments, envp)
        } ?? posix_spawn(&pid, program, &actions, &attributes, cArguments, environ)
        // The child's ends are closed here in every case, so its exit shows up as end-of-file.
        if inputPipe[0] >= 0 { close(inputPipe[0]) }
        if outputPipe[1] >= 0 { close(outputPipe[1]) }
        guard result == 0 else {
            if inputPipe[1] >= 0 { close(inputPipe[1]) }
            if outputPipe[0] >= 0 { close(outputPipe[0]) }
            throw SpawnError(description: "cannot start \(program): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, inputFD: inputPipe[1], outputFD: outputPipe[0])
    }

    // MARK: Input

    /// Writes all of `bytes` to the child's stdin (blocking). A child that exited early is not an error.
    public func write(_ bytes: [UInt8]) {
        guard inputFD >= 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(inputFD, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    public func closeInput() {
        let close = descriptorsClosed.withLock { state -> Bool in
            defer { state.input = true }
            return !state.input
        }
        if close, inputFD >= 0 { Glibc.close(inputFD) }
    }

    private func closeOutput() {
        let close = descriptorsClosed.withLock { state -> Bool in
            defer { state.output = true }
            return !state.output
        }
        if close, outputFD >= 0 { Glibc.close(outputFD) }
    }

    // MARK: Output (blocking; call off the cooperative pool)

    /// Reads what is available now, waiting for at least one byte; empty at end of output.
    public func readChunk() -> [UInt8] {
        guard outputFD >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            return count > 0 ? Array(buffer[0..<count]) : []
        }
    }

    /// Reads one line (without its newline), a byte at a time so nothing after it is consumed; nil at
    /// end of output before any byte.
    public func readLine() -> String? {
        guard outputFD >= 0 else { return nil }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(outputFD, &byte, 1)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// Reads output until the child closes it.
    public func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = readChunk()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// Output that has arrived and not been read yet, without waiting.
    public func readAvailable() -> [UInt8] {
        guard outputFD >= 0 else { return [] }
        var descriptor = pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)
        var all: [UInt8] = []
        while poll(&descriptor, 1, 0) > 0, descriptor.revents & Int16(POLLIN) != 0 {
            let chunk = readChunk()
            if chunk.isEmpty { break }
            all += chunk
        }
        return all
    }

    // MARK: Lifetime

    public func signal(_ signal: Int32) {
        if reaped.withLock({ $0 }) == nil { kill(pid, signal) }
    }

    /// The exit status if the child has ended (reaping it), else nil. Never blocks.
    public var exitStatus: Int32? { reap() }

    public var isRunning: Bool { exitStatus == nil }

    /// Waits for the child to end (blocking) and returns its status.
    @discardableResult
    public func wait() -> Int32 {
        // Wait without reaping and outside the lock, so `isRunning` elsewhere never blocks behind us.
        var info = siginfo_t()
        while reaped.withLock({ $0 }) == nil, waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
        return reap() ?? -1
    }

    private func reap() -> Int32? {
        reaped.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &raw, WNOHANG) } while result < 0 && errno == EINTR
            if result == 0 { return nil }
            guard result > 0 else {
                status = -1
                return status
            }
            // WIFEXITED / WTERMSIG are macros Swift cannot import; these are their Linux definitions.
            let signal = raw & 0x7F
            status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
            return status
        }
    }
}

extension ChildProcess {
    /// Runs `body` on a new thread and resumes with its result: blocking reads and waits must not
    /// occupy the cooperative pool (two threads in CI), or the in-process servers starve.
    public static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}
