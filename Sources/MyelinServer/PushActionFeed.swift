import MyelinPush
import MyelinRooms
import ServiceLifecycle

/// Runs push rules over room events as the pipeline announces them, while the server runs.
struct PushActionFeed: Service {
    let pushActions: PushActionService
    let announcements: RoomAnnouncements

    func run() async throws {
        let stream = await announcements.subscribe()
        await cancelWhenGracefulShutdown { await pushActions.follow(stream) }
    }
}
