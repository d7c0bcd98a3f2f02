/// Why a PDU does not have the format of its room version, naming the offending field (a path such as
/// `content.users.@a:b` or `prev_events[3]`; `event` for the event as a whole).
public struct EventFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case missing
        case wrongType(expected: String, found: String)
        /// A string longer than its limit in UTF-8 bytes.
        case tooLong(bytes: Int, limit: Int)
        /// The whole event, as canonical JSON, is larger than the limit.
        case tooLarge(bytes: Int, limit: Int)
        case tooMany(count: Int, limit: Int)
        /// A float where strict canonical JSON (v6+) allows only integers.
        case float(Double)
        /// An integer outside ±(2^53 - 1) where strict canonical JSON (v6+) applies.
        case integerOutOfRange(Int64)
        /// The value breaks the grammar of its identifier.
        case invalid(String)
        /// A key this room version's events must not have (for the events this server builds).
        case notAllowed(String)
        case notCanonical(String)
    }

    public let field: String
    public let problem: Problem

    public init(_ field: String, _ problem: Problem) {
        self.field = field
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: return "\(field): missing"
        case .wrongType(let expected, let found): return "\(field): expected \(expected), found \(found)"
        case .tooLong(let bytes, let limit): return "\(field): \(bytes) bytes, more than the limit of \(limit)"
        case .tooLarge(let bytes, let limit):
            return "\(field): \(bytes) bytes as canonical JSON, more than the limit of \(limit)"
        case .tooMany(let count, let limit): return "\(field): \(count) entries, more than the limit of \(limit)"
        case .float(let value): return "\(field): the float \(value) is not allowed in this room version"
        case .integerOutOfRange(let value): return "\(field): the integer \(value) is outside ±(2^53 - 1)"
        case .invalid(let why): return "\(field): \(why)"
        case .notAllowed(let why): return "\(field): \(why)"
        case .notCanonical(let why): return "\(field): not canonical JSON: \(why)"
        }
    }
}
