import Logging
import MatrixCore
import MyelinAccounts
import MyelinRooms
import MyelinStorage

/// The live, non-timeline parts of rooms and users: typing, receipts and read markers, presence. Each is
/// a stream sync consumes: a current position, "what changed for this viewer since a position" and a
/// feed of change notices.
public struct EphemeralServices: Sendable {
    public let typing: TypingService
    public let receipts: ReceiptService
    public let presence: PresenceService

    /// `accountData`: the server's one account data store, so that an `m.fully_read` marker is held to the
    /// same quota as every account data write and wakes the syncs that listen to that store's changes.
    public init(rooms: RoomService, database: MyelinDatabase, accountData: AccountDataStore, clock: WallClock,
                settings: EphemeralSettings = .init(), logger: Logger) {
        let presence = PresenceService(store: PresenceStore(database: database), rooms: rooms.store, clock: clock,
                                       settings: settings, logger: logger)
        self.presence = presence
        self.typing = TypingService(rooms: rooms, presence: presence, clock: clock, settings: settings)
        self.receipts = ReceiptService(rooms: rooms, store: ReceiptStore(database: database),
                                       accountData: accountData, presence: presence,
                                       pushActions: PushActionStore(database: database), clock: clock)
    }

    /// Follows the room pipeline's announcements until the stream ends or the task is cancelled: a
    /// member who leaves a room (or is kicked or banned) stops typing there.
    public func followRoomEvents(_ announcements: AsyncStream<RoomAnnouncement>) async {
        for await announcement in announcements {
            let event = announcement.event
            guard event.type == "m.room.member", let userId = event.stateKey,
                event.content["membership"]?.stringValue != Membership.join.rawValue
            else { continue }
            await typing.stopTyping(roomId: announcement.roomId, userId: userId)
        }
    }

    /// Stops the timers and ends every feed's listeners.
    public func shutdown() async {
        await typing.shutdown()
        await presence.shutdown()
        await receipts.feed.finish()
    }
}
