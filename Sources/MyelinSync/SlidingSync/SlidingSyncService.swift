import Logging
import MatrixCore
import MyelinAccounts
import MyelinEphemeral
import MyelinRooms
import MyelinStorage

/// Simplified sliding sync (MSC4186): what changed for a user's chosen rooms since the connection's
/// last answer, waiting for news (woken by the same notifier as `/sync`) when there is none.
public final class SlidingSyncService: Sendable {
    let sync: SyncService
    public let connections: SlidingSyncConnections

    public init(sync: SyncService, connections: SlidingSyncConnections = SlidingSyncConnections()) {
        self.sync = sync
        self.connections = connections
    }

    public func sync(_ requester: Requester, _ request: SlidingSyncRequest) async throws -> JSONObject {
        let presence = sync.ephemeral.presence
        let setPresence = PresenceState(rawValue: request.setPresence) ?? .online
        await presence.syncing(requester.userId, setPresence: setPresence)
        do {
            let response = try await answer(requester, request)
            await presence.syncEnded(requester.userId, setPresence: setPresence)
            return response
        } catch {
            await presence.syncEnded(requester.userId, setPresence: setPresence)
            throw error
        }
    }

    private func answer(_ requester: Requester, _ request: SlidingSyncRequest) async throws -> JSONObject {
        let key = SlidingSyncConnections.Key(userNid: requester.userNid, deviceId: requester.deviceId,
                                             connId: request.connId)
        let previous = try await connections.begin(key, position: request.pos?.connection)
        let deadline = ContinuousClock.now + min(request.timeout, SyncService.maxTimeout)
        let notifier = sync.notifier
        while true {
            // Registered before looking, so a change landing while the answer is built still wakes us.
            let ticket = await notifier.register(userNid: requester.userNid, userId: requester.userId)
            let answer: JSONObject?
            do {
                answer = try await answerIfDue(requester, request, key: key, previous: previous, deadline: deadline)
            } catch {
                // A failed (or, its client gone, cancelled) round must not leave its ticket behind.
                await notifier.cancel(ticket)
                throw error
            }
            if let answer {
                await notifier.cancel(ticket)
                return answer
            }
            await notifier.wait(ticket, timeout: deadline - ContinuousClock.now)
            // The client went away: nobody will read another round.
            try Task.checkCancellation()
        }
    }

    /// One round: the answer when it has news or may not wait longer, else nil. A function of its own so
    /// that what the round built is freed before the long-poll waits.
    private func answerIfDue(_ requester: Requester, _ request: SlidingSyncRequest, key: SlidingSyncConnections.Key,
                             previous: SlidingConnectionState, deadline: ContinuousClock.Instant) async throws
        -> JSONObject?
    {
        let round = try await SlidingSyncRound(service: self, requester: requester, request: request,
                                               previous: previous).build()
        guard request.pos == nil || !round.isEmpty || deadline <= ContinuousClock.now else { return nil }
        return await finish(round, key: key, request: request, previous: previous)
    }

    /// Records the connection's new state and writes its position into the answer.
    private func finish(_ round: SlidingSyncRound.Result, key: SlidingSyncConnections.Key,
                        request: SlidingSyncRequest, previous: SlidingConnectionState) async -> JSONObject {
        let connection: Int64
        if request.lists.isEmpty && request.roomSubscriptions.isEmpty {
            connection = request.pos?.connection ?? 0
        } else {
            connection = await connections.commit(key, from: request.pos?.connection, state: round.state,
                                                  previous: previous)
        }
        var json = round.json
        json["pos"] = .string(SlidingSyncPosition(connection: connection, streams: round.streams).description)
        return json
    }
}
