import MatrixCore
import MyelinStorage

/// Redacted content is never served (redaction is applied when serving); after the configured
/// retention it is erased from the database too, keeping what the redaction algorithm keeps (so the
/// event stays a valid, signed PDU for federation).
extension RoomService {
    /// Erases the content of every redacted event whose redaction is older than the retention delay;
    /// returns how many were erased.
    @discardableResult
    public func pruneRedactedContent() async throws -> Int {
        let cutoff = nowMs() - settings.redactionRetentionMs
        var pruned = 0
        while true {
            let due = try await store.redactedEventsDue(beforeMs: cutoff, limit: 200)
            for event in due {
                guard let version = RoomVersion.named(event.roomVersion),
                    case .object(let json) = try JSONParser.parse(event.json)
                else { continue }
                let redacted = Redaction.redact(json, roomVersion: version)
                try await store.storePruned(nid: event.nid, json: CanonicalJSON.encodeLenient(.object(redacted)))
                await pipeline.cache.remove(event.eventId)
                pruned += 1
            }
            if due.count < 200 { return pruned }
        }
    }
}
