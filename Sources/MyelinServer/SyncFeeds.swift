import MyelinSync
import ServiceLifecycle

/// Feeds room events and account data changes to the sync notifier while the server runs.
struct SyncFeeds: Service {
    let sync: SyncService

    func run() async throws {
        await cancelWhenGracefulShutdown { await sync.runFeeds() }
    }
}
