import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Sends our events to the other servers in each room (DESIGN.md "Federation"). Local events are queued
/// per destination in SQLite in stream order, with the sender's progress moved in the same transaction,
/// so a restart or a kill loses nothing. Each destination has at most one transaction in flight; a
/// failure backs off exponentially (with jitter) until the destination talks to us again.
public actor FederationSender {
    let store: FederationStore
    let transport: any FederationTransport
    let serverName: String
    let settings: FederationSettings
    let nowMs: @Sendable () -> Int64
    let logger: Logger
    /// The task working on each destination: sending, or sleeping until its retry time.
    private var workers: [String: Task<Void, Never>] = [:]
    /// Set when a destination is woken while its worker sends: the worker looks again before ending.
    private var rewoken: Set<String> = []

    public init(store: FederationStore, transport: any FederationTransport, serverName: String,
                settings: FederationSettings, nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        self.store = store
        self.transport = transport
        self.serverName = serverName
        self.settings = settings
        self.nowMs = nowMs
        self.logger = logger
    }

    /// Queues what the stream holds past the stored progress, wakes every destination with a queue, then
    /// follows the pipeline's announcements until cancelled.
    public func follow(_ announcements: AsyncStream<RoomAnnouncement>) async {
        await queueNewEvents()
        do {
            for destination in try await store.destinationsWithQueuedEvents() { wake(destination) }
        } catch is CancellationError {
            return
        } catch {
            logger.error("federation sender: cannot read the outbox", metadata: ["error": "\(error)"])
        }
        for await _ in announcements {
            await queueNewEvents()
        }
        for worker in workers.values { worker.cancel() }
        workers = [:]
    }

    /// Queues local events past the progress for the servers that must receive them.
    public func queueNewEvents() async {
        do {
            while true {
                let progress = try await store.senderProgress()
                let events = try await store.acceptedEvents(after: progress, limit: 200)
                guard let last = events.last else { return }
                var items: [(destination: String, eventNid: Int64)] = []
                var woken: Set<String> = []
                var membersByRoom: [Int64: [String]] = [:]
                for event in events where matrixIDDomainOf(event.sender) == serverName {
                    if membersByRoom[event.roomNid] == nil {
                        membersByRoom[event.roomNid] = try await store.joinedMembers(roomNid: event.roomNid)
                    }
                    for destination in destinations(of: event, joined: membersByRoom[event.roomNid] ?? []) {
                        items.append((destination, event.eventNid))
                        woken.insert(destination)
                    }
                }
                try await store.enqueue(items, progress: last.streamPos,
                                        maxPerDestination: settings.maxQueuedEventsPerDestination)
                for destination in woken { wake(destination) }
                if events.count < 200 { return }
            }
        } catch is CancellationError {
            // Shutting down: the progress was not moved, so the next start queues these.
        } catch {
            logger.error("federation sender: cannot queue events", metadata: ["error": "\(error)"])
        }
    }

    /// Queues events that did not originate here but that we must pass on (a remote user's join,
    /// leave or knock made through us with `send_join`/`send_leave`/`send_knock`): to every server in
    /// the room but the one that sent it.
    public func broadcast(eventNid: Int64, roomNid: Int64, except origin: String) async throws {
        let joined = try await store.joinedMembers(roomNid: roomNid)
        let destinations = Set(joined.compactMap(matrixIDDomainOf)).subtracting([serverName, origin])
        try await store.enqueue(destinations.map { ($0, eventNid) }, progress: nil,
                                maxPerDestination: settings.maxQueuedEventsPerDestination)
        for destination in destinations { wake(destination) }
    }

    /// Every server with a joined member, and for membership events the target's server (an invitee, a
    /// kicked or banned user), never ourselves.
    func destinations(of event: LocalEventToSend, joined: [String]) -> Set<String> {
        var servers = Set(joined.compactMap(matrixIDDomainOf))
        if event.type == "m.room.member", let target = event.stateKey, let server = matrixIDDomainOf(target) {
            servers.insert(server)
        }
        servers.remove(serverName)
        return servers
    }

    /// The destination sent us something: it is up, so stop backing off and send what waits.
    public func destinationIsUp(_ destination: String) async {
        do {
            if try await store.resetBackoff(destination: destination) {
                logger.info("federation: \(destination) is back; sending its queue")
                workers[destination]?.cancel()
                workers[destination] = nil
                wake(destination)
            }
        } catch {
            logger.warning("federation sender: cannot reset backoff", metadata: ["error": "\(error)"])
        }
    }

    /// Starts the destination's worker unless one runs.
    func wake(_ destination: String) {
        guard workers[destination] == nil else {
            rewoken.insert(destination)
            return
        }
        workers[destination] = Task { [weak self] in
            await self?.work(destination)
        }
    }

    private func finished(_ destination: String) -> Bool {
        if rewoken.remove(destination) != nil { return false }
        workers[destination] = nil
        return true
    }

    /// Sends transactions until the queue is empty, or sleeps until the retry time after a failure.
    private func work(_ destination: String) async {
        while !Task.isCancelled {
            do {
                let retry = try await store.retryState(destination: destination)
                let wait = retry.retryAtMs - nowMs()
                if wait > 0 {
                    try await Task.sleep(for: .milliseconds(wait))
                    continue
                }
                let batch = try await store.queued(destination: destination, limit: settings.maxPDUsPerTransaction)
                guard let last = batch.last else {
                    if finished(destination) { return }
                    continue
                }
                do {
                    try await sendTransaction(batch, to: destination, txnId: "\(retry.nextTxn)")
                    try await store.delivered(destination: destination, throughSeq: last.seq, nowMs: nowMs())
                } catch let error as FederationError {
                    let backoff = nextBackoff(after: retry.backoffMs)
                    logger.info("federation: transaction to \(destination) failed; retrying later", metadata: [
                        "error": "\(error)", "retry_in_ms": "\(backoff)", "queued": "\(batch.count)+",
                    ])
                    try await store.failed(destination: destination, backoffMs: backoff, retryAtMs: nowMs() + backoff)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("federation sender: \(destination): \(error)")
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    private func sendTransaction(_ batch: [QueuedPDU], to destination: String, txnId: String) async throws {
        var pdus: [JSONValue] = []
        for pdu in batch {
            guard case .object(var object) = try JSONParser.parse(pdu.json) else { continue }
            object["unsigned"] = nil
            pdus.append(.object(object))
        }
        let body: JSONObject = [
            "origin": .string(serverName), "origin_server_ts": .int(nowMs()),
            "pdus": .array(pdus), "edus": .array([]),
        ]
        _ = try await transport.json(FederationRequest(
            .PUT, destination: destination, path: "/_matrix/federation/v1/send/\(PathEncoding.segment(txnId))",
            body: .object(body)))
    }

    /// Doubles from the initial delay up to the cap, with ±20% jitter so many servers do not retry at once.
    func nextBackoff(after previous: Int64) -> Int64 {
        let base = previous == 0 ? settings.retryInitialMs : min(previous * 2, settings.retryMaxMs)
        let jitter = Int64.random(in: -(base / 5)...(base / 5))
        return max(1, min(base + jitter, settings.retryMaxMs))
    }
}
