/// How long `.well-known/matrix/server` answers are kept. The spec recommends honouring the cache
/// headers, a 24 h default, a 48 h cap and up to an hour for errors; the exact numbers below are
/// Synapse's (synapse/http/federation/well_known_resolver.py), so both servers behave alike.
enum WellKnownCachePolicy {
    static let hourMs: Int64 = 3_600_000
    /// A valid answer without cache headers.
    static let defaultMs: Int64 = 24 * hourMs
    /// Bounds on what the headers may ask for. `no-store`, `max-age=0` or a past `Expires` still
    /// keep the answer for the minimum, as in Synapse, so a server cannot make us fetch per request.
    static let maxMs: Int64 = 48 * hourMs
    static let minMs: Int64 = 5 * 60_000
    /// No valid answer: absent, not 200, not JSON, no usable `m.server`, or no response at all.
    static let invalidMs: Int64 = hourMs
    /// No valid answer from a host that had one recently: likely a short outage, so ask again soon.
    /// (Synapse uses this shorter period only then, not for every network error: a host that never
    /// serves `.well-known` and times out would otherwise cost a slow fetch every few minutes.)
    static let downMs: Int64 = 2 * 60_000
    /// How long after a valid answer expires the host still counts as "had one recently".
    static let rememberValidMs: Int64 = 2 * hourMs
    /// A valid answer is fetched again once this fraction of its lifetime is left, so an outage at
    /// the moment it expires does not lose the delegation (the old answer serves in the meantime).
    static let refreshFraction = 0.2
    /// Default and failure periods vary by ±10% so hosts learnt together do not expire together.
    static let jitterPermille = 100

    /// What the response's headers ask for, in ms; nil when they say nothing.
    static func headerPeriodMs(cacheControl: String?, expires: String?, nowMs: Int64) -> Int64? {
        var directives: [String: String?] = [:]
        for directive in (cacheControl ?? "").split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard let name = parts.first?.lowercased(), !name.isEmpty else { continue }
            directives[name] = parts.count == 2 ? parts[1].trimmingQuotes : nil
        }
        if directives["no-store"] != nil { return 0 }
        if case let value?? = directives["max-age"] {
            if let seconds = Int64(value) { return seconds.multipliedReportingOverflow(by: 1000).overflow ? maxMs : seconds * 1000 }
            // A number too large for Int64 is still "a long time"; anything else is ignored.
            if !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) { return maxMs }
        }
        if let expires {
            // RFC 9111: an invalid date (such as "0") means already expired.
            guard let date = HTTPDate.parseMs(expires) else { return 0 }
            return date - nowMs
        }
        return nil
    }

    /// How long to keep a valid answer.
    static func validPeriodMs(cacheControl: String?, expires: String?, nowMs: Int64,
                              random: (ClosedRange<Int>) -> Int) -> Int64 {
        guard let asked = headerPeriodMs(cacheControl: cacheControl, expires: expires, nowMs: nowMs) else {
            return jittered(defaultMs, random: random)
        }
        return min(max(asked, minMs), maxMs)
    }

    static func jittered(_ periodMs: Int64, random: (ClosedRange<Int>) -> Int) -> Int64 {
        let permille = min(max(random((1000 - jitterPermille)...(1000 + jitterPermille)), 1000 - jitterPermille),
                           1000 + jitterPermille)
        return periodMs / 1000 * Int64(permille)
    }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    var trimmingQuotes: String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : String(self)
    }
}
