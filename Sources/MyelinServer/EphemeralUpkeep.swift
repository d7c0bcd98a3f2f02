import MyelinEphemeral
import MyelinRooms
import ServiceLifecycle

/// Keeps the ephemeral streams in step with rooms while the server runs: members who leave a room stop
/// typing there.
struct EphemeralUpkeep: Service {
    let ephemeral: EphemeralServices
    let announcements: RoomAnnouncements

    func run() async throws {
        let stream = await announcements.subscribe()
        // Shutdown cancels the loop; that is the normal end, not a failure of the service group.
        await cancelWhenGracefulShutdown {
            await ephemeral.followRoomEvents(stream)
        }
    }
}
