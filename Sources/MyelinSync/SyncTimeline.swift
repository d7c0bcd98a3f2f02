import MatrixCore
import MyelinRooms
import MyelinStorage

/// The events of a room's `timeline` in one sync answer, and what the scan that chose them saw.
struct SyncTimeline {
    /// Oldest first.
    var events: [StoredEvent] = []
    /// Events the filter passes were left out before the first one (or may have been: the scan stopped
    /// at its bound, or at history the user may not see).
    var limited = false
    /// A state event of the range is not in the timeline (the filter dropped it, or the user may not see
    /// it): the `state` section must be worked out even when the timeline is not limited.
    var leftOutState = false
}

extension SyncResponseBuilder {
    /// The most events of one room read to fill one timeline: a filter that passes little must not make
    /// a sync read a whole room.
    static let maxTimelineScan = 1000

    /// The newest `limit` events in (after, upTo] that the user may see and the timeline filter passes.
    /// The filter's limit counts what passes it, so the scan reads on, newest first in growing batches,
    /// until one more passing event shows the timeline is limited, the range ends, or the bound is met.
    /// History the user may not see ends the timeline: what lies before it (their previous stay in a
    /// room they left and rejoined) would sit next to events whose state changes the client never got,
    /// while the state at the timeline's start covers the hidden stretch.
    func timeline(_ room: RoomRecord, after: Int64, upTo: Int64, limit: Int) async throws -> SyncTimeline {
        var result = SyncTimeline()
        var kept: [StoredEvent] = []
        var upper = upTo
        var scanned = 0
        // Room for what history visibility and the filter drop in a first batch.
        var batch = limit * 3 + 1
        var seenVisible = false
        scan: while true {
            guard scanned < Self.maxTimelineScan else {
                result.limited = true
                break
            }
            let want = min(batch, Self.maxTimelineScan - scanned)
            let raw = try await store.streamEvents(roomNid: room.nid, after: after, upTo: upper, limit: want)
            scanned += raw.count
            // Ignored senders are left out below: their messages hide no state, so they make no gap.
            let visible = Set(try await service.rooms.visibleEvents(raw, room: room, userId: requester.userId)
                .map(\.nid))
            for event in raw {
                guard visible.contains(event.nid) else {
                    if seenVisible {
                        result.limited = true
                        result.leftOutState = true
                        break scan
                    }
                    if event.stateKey != nil { result.leftOutState = true }
                    continue
                }
                seenVisible = true
                if event.stateKey == nil, ignored.contains(event.sender) { continue }
                guard try await matches(event, filter.room.timeline, room: room) else {
                    if event.stateKey != nil { result.leftOutState = true }
                    continue
                }
                guard kept.count < limit else {
                    result.limited = true
                    break scan
                }
                kept.append(event)
            }
            guard raw.count == want, let oldest = raw.last?.streamPos else { break }
            upper = oldest - 1
            batch *= 2
        }
        result.events = kept.reversed()
        return result
    }
}
