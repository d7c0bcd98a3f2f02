import CSpawn
import Glibc

/// One running `myelin-thumbnailer` child with pipes on its stdin and stdout.
///
/// Spawned with posix_spawn rather than Foundation's Process so that (a) both pipes are O_CLOEXEC and
/// cannot leak into other children the server starts (a leaked write end would hide the worker's
/// death from us), and (b) this type owns the waitpid, so it can report the signal that killed the
/// worker and nothing else reaps it behind our back.
final class WorkerProcess: Sendable {
    let pid: pid_t
    /// Our end of the worker's stdin.
    let requestFD: Int32
    /// Our end of the worker's stdout.
    let responseFD: Int32

    private init(pid: pid_t, requestFD: Int32, responseFD: Int32) {
        self.pid = pid
        self.requestFD = requestFD
        self.responseFD = responseFD
    }

    struct SpawnError: Error {
        let reason: String
    }

    static func spawn(executable: String) throws(SpawnError) -> WorkerProcess {
        var toWorker: [Int32] = [-1, -1]
        var fromWorker: [Int32] = [-1, -1]
        guard pipe(&toWorker) == 0 else { throw SpawnError(reason: "pipe: errno \(errno)") }
        guard pipe(&fromWorker) == 0 else {
            close(toWorker[0]); close(toWorker[1])
            throw SpawnError(reason: "pipe: errno \(errno)")
        }
        // pipe2(O_CLOEXEC) is not exported by Swift's Glibc module, so close-on-exec is set right after;
        // the window in between only matters if another thread execs in that instant.
        for fd in toWorker + fromWorker { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0/1 clears O_CLOEXEC on the copies, so the child keeps exactly these two.
        posix_spawn_file_actions_adddup2(&actions, toWorker[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromWorker[1], 1)
        // Everything else closed in the child: NIO accepts client sockets without close-on-exec, and a
        // worker holding a copy would keep each connection open on the client's side after the server
        // closed it (no FIN is sent while a copy lives), for as long as the worker runs.
        myelin_spawn_close_from(&actions, 3)

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), nil]
        defer { for arg in argv { free(arg) } }
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        // The child's ends are closed here in every case: if we held the write end of its stdout,
        // its death would never show up as end-of-file.
        close(toWorker[0])
        close(fromWorker[1])
        guard result == 0 else {
            close(toWorker[1]); close(fromWorker[0])
            throw SpawnError(reason: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return WorkerProcess(pid: pid, requestFD: toWorker[1], responseFD: fromWorker[0])
    }

    /// Kills the worker (if still alive), closes the pipes and reaps it. Blocking (waitpid): call it
    /// off the cooperative pool. Returns how it ended, for error messages. Always SIGKILL: the worker
    /// holds no state worth a graceful exit, and a wedged one would otherwise block the waitpid.
    func terminateAndReap() -> String {
        kill(pid, SIGKILL)
        close(requestFD)
        close(responseFD)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return "not reaped (errno \(errno))" }
        }
        // WIFEXITED / WTERMSIG are C macros Swift cannot import; these are their Linux definitions.
        let signal = status & 0x7F
        if signal == 0 { return "exit status \((status >> 8) & 0xFF)" }
        return "signal \(signal)"
    }
}
