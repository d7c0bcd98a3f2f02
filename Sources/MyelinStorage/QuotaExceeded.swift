import MatrixCore

/// A write refused by one of the `StorageQuotas`: what was limited, the limit, and whether it is one value
/// that is too large (waiting will not help, nor will making room) or a user's store that is full.
public struct QuotaExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// One value is larger than allowed.
        case tooLarge
        /// The user (or the receiving device) holds as much as allowed.
        case full
    }

    public let kind: Kind
    /// What the limit is on, in words for the error message ("bytes per account data entry").
    public let what: String
    public let limit: Int

    public init(_ kind: Kind, what: String, limit: Int) {
        self.kind = kind
        self.what = what
        self.limit = limit
    }

    public var description: String { "Quota exceeded: at most \(limit) \(what)" }
}

extension MatrixError {
    /// The client's answer: a single oversized value is 413 `M_TOO_LARGE` (as an oversized event is, in
    /// Synapse and the spec); a full store is 429 `M_LIMIT_EXCEEDED` without `retry_after_ms`, since
    /// waiting alone will not free anything.
    public init(_ quota: QuotaExceeded) {
        switch quota.kind {
        case .tooLarge: self = .tooLarge(quota.description)
        case .full: self.init("M_LIMIT_EXCEEDED", quota.description, status: 429)
        }
    }
}
