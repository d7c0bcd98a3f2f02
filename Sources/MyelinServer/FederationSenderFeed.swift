import MyelinFederation
import MyelinRooms
import ServiceLifecycle

/// Runs the federation sender while the server runs: it queues our new events for the other servers in
/// each room as the pipeline announces them, and sends every destination's queue.
struct FederationSenderFeed: Service {
    let sender: FederationSender
    let announcements: RoomAnnouncements

    func run() async throws {
        let stream = await announcements.subscribe()
        await cancelWhenGracefulShutdown { await sender.follow(stream) }
    }
}

/// Forgets the answers to inbound transactions after a day (senders retry within minutes).
struct InboundTransactionPruner: Service {
    let federation: FederationServices

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await federation.store.pruneInbound(beforeMs: federation.nowMs() - 24 * 3600 * 1000)
                do { try await Task.sleep(for: .seconds(3600)) } catch { return }
            }
        }
    }
}
