import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Runs every local user's push rules over each accepted event, in stream order, off the rooms' serial
/// queues, and stores the events that notify (`push_actions`), from which sync counts unread
/// notifications. The rules are the server defaults for now (user rules come with the push rule API).
///
/// The pipeline persists first and this service follows behind, so a sync must not count before the
/// rules have caught up with the events it returns: it calls `caughtUp(to:)` with its stream position,
/// which evaluates whatever is still missing itself rather than waiting for the listener. Progress is
/// stored with the rows, so a restart resumes where it stopped, and the listener can fall behind or
/// miss announcements without losing anything (it reads events from storage, not from announcements).
public actor PushActionService {
    let rooms: RoomService
    let store: PushActionStore
    let logger: Logger
    let batchSize: Int
    /// How far the rules have run; nil until read from storage.
    private var processed: Int64?
    /// The batch being evaluated: concurrent callers share it instead of evaluating events twice.
    private var inFlight: Task<Bool, Never>?

    public init(rooms: RoomService, store: PushActionStore, logger: Logger, batchSize: Int = 100) {
        self.rooms = rooms
        self.store = store
        self.logger = logger
        self.batchSize = max(1, batchSize)
    }

    /// Returns once every event up to `position` has been evaluated (or when evaluation cannot make
    /// progress, e.g. storage fails: counts may then lag, but syncs are not held up).
    public func caughtUp(to position: Int64) async {
        while (processed ?? Int64.min) < position {
            guard await step() else { return }
        }
    }

    /// Follows the pipeline's announcements until the stream ends, evaluating as events arrive so that
    /// syncs rarely have to.
    public func follow(_ announcements: AsyncStream<RoomAnnouncement>) async {
        for await announcement in announcements { await caughtUp(to: announcement.streamPos) }
    }

    /// Unread counts of a joined room by thread (nil: the main timeline), up to room stream position `upTo`.
    public nonisolated func unreadCounts(userNid: Int64, userId: String, roomNid: Int64, upTo: Int64) async throws
        -> [String?: UnreadCount]
    {
        try await store.unreadCounts(userNid: userNid, userId: userId, roomNid: roomNid, upTo: upTo)
    }

    // MARK: Evaluation

    /// Evaluates the next batch; false when there was nothing to do or it failed.
    private func step() async -> Bool {
        if let inFlight { return await inFlight.value }
        let task = Task {
            let progressed = await self.evaluateNextBatch()
            // Cleared by the batch itself, on this actor, as it ends: were it cleared by the caller after
            // its await, another caller could keep getting the finished batch's answer and loop without
            // ever letting that caller run (a livelock seen in the full suite).
            self.inFlight = nil
            return progressed
        }
        inFlight = task
        return await task.value
    }

    private func evaluateNextBatch() async -> Bool {
        do {
            let from: Int64
            if let processed {
                from = processed
            } else {
                from = try await store.progress()
                processed = from
            }
            let events = try await rooms.store.streamEvents(after: from, limit: batchSize)
            guard let last = events.last?.streamPos else { return false }
            var rows: [PushActionWrite] = []
            var clears: [PushActionClear] = []
            for event in events {
                do {
                    let verdict = try await evaluate(event)
                    rows += verdict.rows
                    clears += verdict.clears
                } catch {
                    // One event that cannot be evaluated must not hold every later count back.
                    logger.warning("push rules skipped an event", metadata: [
                        "event": "\(event.eventId)", "error": "\(error)",
                    ])
                }
            }
            try await store.record(rows, clears: clears, upTo: last)
            processed = last
            return true
        } catch {
            logger.error("push rule evaluation failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    private struct Verdict {
        var rows: [PushActionWrite] = []
        var clears: [PushActionClear] = []
    }

    /// The notifications one event gives the room's local members, each judged by their rules with
    /// their view of the room before the event.
    private func evaluate(_ event: StoredEvent) async throws -> Verdict {
        var verdict = Verdict()
        guard let streamPos = event.streamPos, let snapshot = event.stateBefore, event.redactedBy == nil,
            case .object(let json) = try JSONParser.parse(event.json)
        else { return verdict }
        let thread = event.relatesTo == nil ? nil : try await rooms.store.threadId(of: event.eventId, roomNid: event.roomNid)
        // Sending an event marks what came before it in its thread as read (push module, "Marking
        // notifications as read"). Not state events: the server sends many on the user's behalf (a
        // profile change becomes a member event in every room), which say nothing of what they read.
        if event.stateKey == nil,
            let senderNid = try await store.localUserNid(event.sender, serverName: rooms.serverName)
        {
            verdict.clears.append(PushActionClear(userNid: senderNid, roomNid: event.roomNid, upTo: streamPos,
                                                  scope: thread.map { .thread($0) } ?? .mainTimeline))
        }
        let (members, joinedCount) = try await store.recipients(roomNid: event.roomNid, serverName: rooms.serverName)
        let recipients = members.filter { $0.userId != event.sender }
        guard !recipients.isEmpty, let room = try await rooms.store.room(nid: event.roomNid) else { return verdict }

        let powerLevelsKey = StateTuple(type: "m.room.power_levels", stateKey: "")
        let createKey = StateTuple(type: "m.room.create", stateKey: "")
        let memberKeys = recipients.map { StateTuple(type: "m.room.member", stateKey: $0.userId) }
        let state = try await rooms.state(room, snapshot: snapshot, memberKeys + [powerLevelsKey, createKey])
        let powerLevels = PowerLevels(powerLevelsEvent: state[powerLevelsKey], createEvent: state[createKey])
        for (recipient, key) in zip(recipients, memberKeys) {
            // Members who joined after the event (the listener may lag) are not notified of it.
            guard let member = state[key], member.membership == Membership.join.rawValue else { continue }
            if recipient.ignoredUsers.contains(event.sender) { continue }
            // The member count is the room's now, not at the event: exact when evaluation keeps up, and
            // it only tells one-to-one rooms apart.
            let context = PushEvaluationContext(
                userId: recipient.userId, displayName: member.content["displayname"]?.stringValue,
                memberCount: joinedCount, powerLevels: powerLevels)
            let outcome = PushRuleEvaluator(rules: .serverDefault(for: recipient.userId)).evaluate(json, context)
            guard outcome.notify else { continue }
            verdict.rows.append(PushActionWrite(userNid: recipient.userNid, roomNid: event.roomNid, streamPos: streamPos,
                                                threadId: thread, highlight: outcome.highlight))
        }
        return verdict
    }
}
