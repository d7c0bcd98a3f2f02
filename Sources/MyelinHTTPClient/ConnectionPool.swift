import NIOCore

/// Keep-alive connections per destination, at most `capacity` open (busy plus idle) to each. A request
/// takes an idle connection, or opens one while under the cap, or waits in line for one to come back.
/// A connection comes back only after its response was read to the end and both sides kept it alive.
actor ConnectionPool {
    /// What a waiting request is given.
    private enum Grant {
        /// A live connection, straight from the request that finished with it.
        case connection(HTTPConnection)
        /// Room under the cap (a connection was discarded): the waiter opens its own.
        case room
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
        let timer: Task<Void, Never>
    }

    private struct Entry {
        var idle: [HTTPConnection] = []
        /// Connections leased to requests plus those being opened.
        var busy = 0
        var waiters: [Waiter] = []

        var isUnused: Bool { idle.isEmpty && busy == 0 && waiters.isEmpty }
    }

    private let capacity: Int
    private var entries: [Destination: Entry] = [:]
    private var lastWaiterID: UInt64 = 0
    private var isShutDown = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// A connection to `destination` for one request, and whether it had been used before (a reused
    /// connection may have been closed by the server meanwhile, which makes a retry reasonable).
    /// `open` makes a new one; it runs outside the actor and counts against the cap while it runs.
    func lease(_ destination: Destination, deadline: NIODeadline,
               open: @Sendable () async throws -> HTTPConnection) async throws -> (HTTPConnection, reused: Bool) {
        guard !isShutDown else { throw HTTPClientError.shutDown }
        while let connection = entries[destination]?.idle.popLast() {
            if connection.isActive {
                entries[destination]?.busy += 1
                return (connection, true)
            }
        }
        if entries[destination, default: Entry()].busy < capacity {
            entries[destination, default: Entry()].busy += 1
            return (try await openCounted(destination, open: open), false)
        }
        switch try await wait(for: destination, until: deadline) {
        case .connection(let connection): return (connection, true)
        case .room: return (try await openCounted(destination, open: open), false)
        }
    }

    /// Takes a connection back after a request. `reusable` is false after an error, a `Connection: close`
    /// or an abandoned body: then the connection is closed and its place goes to the next waiter.
    func release(_ connection: HTTPConnection, reusable: Bool) {
        let destination = connection.destination
        if reusable && connection.isActive && !isShutDown {
            if let waiter = popWaiter(destination) {
                waiter.continuation.resume(returning: .connection(connection))
                return
            }
            entries[destination, default: Entry()].idle.append(connection)
            entries[destination, default: Entry()].busy -= 1
            return
        }
        connection.close()
        giveBackRoom(destination)
    }

    /// An idle connection closed (by the server or its idle timer): forget it.
    func closed(_ connection: HTTPConnection) {
        let destination = connection.destination
        entries[destination]?.idle.removeAll { $0 === connection }
        dropIfUnused(destination)
    }

    /// Closes idle connections and refuses new requests; requests in flight finish on their own.
    func shutdown() {
        isShutDown = true
        for (destination, entry) in entries {
            for connection in entry.idle { connection.close() }
            for waiter in entry.waiters {
                waiter.timer.cancel()
                waiter.continuation.resume(throwing: HTTPClientError.shutDown)
            }
            entries[destination]?.idle = []
            entries[destination]?.waiters = []
        }
    }

    // MARK: Internals

    private func openCounted(_ destination: Destination, open: @Sendable () async throws -> HTTPConnection)
        async throws -> HTTPConnection
    {
        do {
            let connection = try await open()
            connection.channel.closeFuture.whenComplete { [weak self] _ in
                guard let self else { return }
                Task { await self.closed(connection) }
            }
            return connection
        } catch {
            giveBackRoom(destination)
            throw error
        }
    }

    /// One connection fewer is open: a waiter may open one in its place.
    private func giveBackRoom(_ destination: Destination) {
        if let waiter = popWaiter(destination) {
            waiter.continuation.resume(returning: .room)
            return
        }
        entries[destination]?.busy -= 1
        dropIfUnused(destination)
    }

    private func wait(for destination: Destination, until deadline: NIODeadline) async throws -> Grant {
        lastWaiterID += 1
        let id = lastWaiterID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let remaining = deadline - .now()
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: .nanoseconds(max(0, remaining.nanoseconds)))
                    guard !Task.isCancelled else { return }
                    await self?.expire(destination, id, HTTPClientError.totalTimeout)
                }
                entries[destination, default: Entry()].waiters.append(
                    Waiter(id: id, continuation: continuation, timer: timer))
            }
        } onCancel: {
            Task { await self.expire(destination, id, CancellationError()) }
        }
    }

    private func expire(_ destination: Destination, _ id: UInt64, _ error: any Error) {
        guard let index = entries[destination]?.waiters.firstIndex(where: { $0.id == id }),
              let waiter = entries[destination]?.waiters.remove(at: index) else { return }
        waiter.timer.cancel()
        waiter.continuation.resume(throwing: error)
        dropIfUnused(destination)
    }

    private func popWaiter(_ destination: Destination) -> Waiter? {
        guard let waiters = entries[destination]?.waiters, !waiters.isEmpty else { return nil }
        let waiter = entries[destination]?.waiters.removeFirst()
        waiter?.timer.cancel()
        return waiter
    }

    private func dropIfUnused(_ destination: Destination) {
        if entries[destination]?.isUnused == true { entries[destination] = nil }
    }
}
