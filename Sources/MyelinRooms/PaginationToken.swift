import MatrixCore
import MyelinStorage

/// A room pagination token (`/messages`, `/context`, `/relations`, `/threads`, `/members?at=`).
/// `t{depth}_{stream}` names a topological position (see `TimelinePosition`); `s{stream}` a place in
/// the global event stream, as sync's `prev_batch` does, which resolves to the topological position
/// of the room's latest event at or before it. A `/sync` `next_batch` (`s{rooms}_{account data}_…`) and
/// a sliding sync `pos` (`{connection}/s…`) are accepted too, as the spec and MSC4186 allow: their room
/// stream position is the place.
public enum PaginationToken: Sendable, Hashable, CustomStringConvertible {
    case topological(TimelinePosition)
    case stream(Int64)

    /// 400 `M_INVALID_PARAM` for anything else (Synapse refuses unknown tokens with a 400 too).
    public init(parsing text: String, parameter: String = "from") throws(MatrixError) {
        let invalid = MatrixError.invalidParam("Invalid pagination token in '\(parameter)'")
        // A sliding sync position: its connection part says nothing about rooms.
        let text = text.firstIndex(of: "/").map { text[text.index(after: $0)...] } ?? Substring(text)
        guard let kind = text.first else { throw invalid }
        let body = text.dropFirst()
        switch kind {
        case "t":
            let parts = body.split(separator: "_", omittingEmptySubsequences: false)
            // Backfilled history has negative stream positions (it comes before everything we saw live).
            let streamText = parts.count == 2 && parts[1].hasPrefix("-") ? parts[1].dropFirst() : parts.last ?? ""
            guard parts.count == 2, let depth = Self.number(parts[0]), let magnitude = Self.number(streamText) else {
                throw invalid
            }
            let stream = parts[1].hasPrefix("-") ? -magnitude : magnitude
            self = .topological(TimelinePosition(depth: depth, stream: stream))
        case "s":
            // `s{stream}`, or a sync token whose first part is the room event stream's position.
            let parts = body.split(separator: "_", omittingEmptySubsequences: false)
            guard let first = parts.first, let stream = Self.number(first),
                parts.dropFirst().allSatisfy({ Self.number($0) != nil })
            else { throw invalid }
            self = .stream(stream)
        default:
            throw invalid
        }
    }

    /// A non-negative decimal without sign or leading junk.
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int64(text)
    }

    public var description: String {
        switch self {
        case .topological(let position): "t\(position.depth)_\(position.stream)"
        case .stream(let stream): "s\(stream)"
        }
    }

    /// The token for a topological position.
    public static func at(_ position: TimelinePosition) -> String { PaginationToken.topological(position).description }
}
