import Foundation

/// Runs blocking work (pipe I/O, waitpid) on a fresh thread and resumes the caller when it is done.
/// The cooperative pool may have as few as two threads; parking one of them in read() for the length
/// of a thumbnail would stall unrelated tasks, so nothing here blocks a pool thread.
enum BlockingThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: body())
            }
        }
    }
}
