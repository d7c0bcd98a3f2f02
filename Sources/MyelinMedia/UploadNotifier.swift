/// Wakes downloads waiting for the content of a pending media ID when it arrives.
/// Waiters also give up after their own bound, so a wake-up that slips between a waiter's check and its
/// registration costs at most that bound, never a hang.
actor UploadNotifier {
    private var waiters: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
    private var nextId = 0

    /// Returns when `key` is announced or after `timeout`, whichever comes first.
    func wait(for key: String, timeout: Duration) async {
        let id = nextId
        nextId += 1
        await withCheckedContinuation { continuation in
            waiters[key, default: [:]][id] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.resume(key, id)
            }
        }
    }

    /// Wakes everything waiting for `key`.
    func announce(_ key: String) {
        for continuation in (waiters.removeValue(forKey: key) ?? [:]).values { continuation.resume() }
    }

    private func resume(_ key: String, _ id: Int) {
        guard let continuation = waiters[key]?.removeValue(forKey: id) else { return }
        if waiters[key]?.isEmpty == true { waiters[key] = nil }
        continuation.resume()
    }
}
