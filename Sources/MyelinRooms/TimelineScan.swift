import MyelinStorage

/// Events gathered for one page, and where the next page starts.
struct ScannedPage {
    var events: [StoredEvent]
    /// The gap after the last candidate looked at, in the page's direction.
    var cursor: TimelinePosition
    /// Whether the candidates ran out: there is no further page.
    var exhausted: Bool
}

/// Fills a page from candidates in topological order when some of them are dropped after the query
/// (history visibility, filters that need content): fetches batches until `limit` events are kept,
/// the candidates run out, or `maxScanned` candidates were looked at, so a page may come back short
/// (or empty) with a cursor to continue from, as the spec allows.
enum TimelineScan {
    static let maxScanned = 2000

    static func collect(
        limit: Int, from: TimelinePosition, direction: TimelineDirection,
        fetch: (_ from: TimelinePosition, _ count: Int) async throws -> [StoredEvent],
        keep: ([StoredEvent]) async throws -> [Bool]
    ) async throws -> ScannedPage {
        var page = ScannedPage(events: [], cursor: from, exhausted: false)
        guard limit > 0 else { return page }
        var scanned = 0
        while page.events.count < limit, scanned < maxScanned {
            let batchSize = min(max((limit - page.events.count) * 2, 20), 500)
            // One more than we look at tells whether anything lies beyond the batch.
            let batch = try await fetch(page.cursor, batchSize + 1)
            let candidates = Array(batch.prefix(batchSize))
            let decisions = try await keep(candidates)
            for (index, event) in candidates.enumerated() {
                guard let next = direction == .backward ? TimelinePosition.before(event) : .after(event) else {
                    continue
                }
                page.cursor = next
                scanned += 1
                if decisions[index] { page.events.append(event) }
                if page.events.count == limit {
                    page.exhausted = index == candidates.count - 1 && batch.count <= batchSize
                    return page
                }
            }
            if batch.count <= batchSize {
                page.exhausted = true
                return page
            }
        }
        return page
    }
}
