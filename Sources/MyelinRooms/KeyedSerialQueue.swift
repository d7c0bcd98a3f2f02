/// Runs jobs one at a time per key (a room, a user), concurrently across keys. Actors alone do not give this:
/// an actor method that awaits lets the next call in, and the pipeline awaits storage.
public actor KeyedSerialQueue {
    private var tails: [String: Task<Void, Never>] = [:]
    private var pending: [String: Int] = [:]

    public init() {}

    /// Runs `job` after every job queued before it for `key` has finished.
    public func run<T: Sendable>(_ key: String, _ job: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]
        let task = Task<Result<T, any Error>, Never> {
            await previous?.value
            do { return .success(try await job()) } catch { return .failure(error) }
        }
        tails[key] = Task { _ = await task.value }
        pending[key, default: 0] += 1
        let result = await task.value
        pending[key, default: 1] -= 1
        if pending[key] == 0 {
            // Nothing queued behind this job: drop the key so the map stays as small as the busy rooms.
            pending[key] = nil
            tails[key] = nil
        }
        return try result.get()
    }
}
