import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `/relations` and `/threads` (client-server API v1): events relating to others, and thread roots.
extension RoomService {
    /// How many hops `recurse=true` follows (the spec asks for at least 3).
    public static let relationRecursionDepth = 3

    /// `GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]`: 403 for a room the requester
    /// may not read, 404 `M_NOT_FOUND` for a parent they may not see; children in topological order
    /// (`dir`, default backwards), those they may not see left out.
    public func relations(_ requester: Requester, roomId: String, eventId: String, _ request: RelationsRequest)
        async throws -> RelationsPage
    {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        let visibility = try await servingFilter(room, viewer: requester, access: access)
        _ = try await visibleEvent(eventId, in: room, visibility: visibility)
        let from = try await startPosition(request.from, direction: request.direction, in: room)
        let to = try await request.to.asyncMap { try await position(of: $0, in: room) }
        let levels = request.recurse == true ? Self.relationRecursionDepth : 1
        let page = try await TimelineScan.collect(
            limit: request.limit, from: from, direction: request.direction,
            fetch: { cursor, count in
                try await store.relations(
                    roomNid: room.nid, parentId: eventId, relType: request.relType, eventType: request.eventType,
                    levels: levels, from: cursor, direction: request.direction, to: to, limit: count)
            },
            keep: { try await visibility.mask($0) })
        return RelationsPage(
            chunk: try await serve(page.events, room: room, viewer: requester, visibility: visibility),
            nextBatch: page.exhausted ? nil : PaginationToken.at(page.cursor), prevBatch: request.from?.description,
            recursionDepth: request.recurse.map { $0 ? Self.relationRecursionDepth : 1 })
    }

    /// `GET /rooms/{roomId}/threads`: thread roots the requester may see, latest reply first, each with
    /// its thread summary bundled. `participated`: only threads they started or replied in.
    public func threads(_ requester: Requester, roomId: String, participated: Bool, from: PaginationToken?,
                        limit: Int) async throws -> ThreadsPage {
        let room = try await room(roomId)
        let access = try await readAccess(room, requester.userId)
        let visibility = try await servingFilter(room, viewer: requester, access: access)
        var cursor = try await from.asyncMap { try await position(of: $0, in: room) }
        var roots: [StoredEvent] = []
        var scanned = 0
        var exhausted = false
        while roots.count < limit, scanned < TimelineScan.maxScanned {
            let batchSize = min(max((limit - roots.count) * 2, 20), 500)
            let rows = try await store.threadRoots(roomNid: room.nid, participant: participated ? requester.userId : nil,
                                                   from: cursor, limit: batchSize + 1)
            let candidates = Array(rows.prefix(batchSize))
            let stored = try await store.events(nids: candidates.map(\.rootNid))
            let events = candidates.compactMap { stored[$0.rootNid] }
            let visible = Set(try await visibility.visible(events).map(\.nid))
            for (index, row) in candidates.enumerated() {
                cursor = TimelinePosition(depth: row.latest.depth, stream: row.latest.stream - 1)
                scanned += 1
                if visible.contains(row.rootNid), let event = stored[row.rootNid] { roots.append(event) }
                if roots.count == limit {
                    exhausted = index == candidates.count - 1 && rows.count <= batchSize
                    break
                }
            }
            if roots.count == limit { break }
            if rows.count <= batchSize {
                exhausted = true
                break
            }
        }
        return ThreadsPage(chunk: try await serve(roots, room: room, viewer: requester, visibility: visibility),
                           nextBatch: exhausted ? nil : cursor.map(PaginationToken.at))
    }
}
