/// One power level: an integer, or the infinite level of room creators in room version 12
/// (rooms/v12, "room creators"). `finite` always compares below `infinite`.
public enum PowerLevel: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    case finite(Int64)
    case infinite

    public init(integerLiteral value: Int64) { self = .finite(value) }

    public var description: String {
        switch self {
        case .finite(let value): return String(value)
        case .infinite: return "infinite"
        }
    }

    public static func < (lhs: PowerLevel, rhs: PowerLevel) -> Bool {
        switch (lhs, rhs) {
        case (.finite(let a), .finite(let b)): return a < b
        case (.finite, .infinite): return true
        case (.infinite, _): return false
        }
    }

    /// Reads a power level value from `m.room.power_levels` content as the room version allows:
    /// JSON integers always; integer strings before v10 (`"50"`, `" +050 "`); floats, truncated,
    /// in v1-v5. Nil for anything else, including values beyond the 64-bit range.
    public static func integer(from value: JSONValue, in version: RoomVersion) -> Int64? {
        switch value {
        case .int(let integer):
            return integer
        case .string(let text) where version.stringPowerLevels:
            return parseIntegerString(text)
        case .bool(let flag) where version.stringPowerLevels:
            // Synapse reads pre-v10 levels with Python's int(), which takes booleans as 0 and 1; servers
            // must agree on these rooms' state, so we do too.
            return flag ? 1 : 0
        case .double(let number) where version.floatPowerLevels:
            // The JSON parser already applied any exponent; truncation is the fragment's second step.
            guard number.isFinite else { return nil }
            return Int64(exactly: number.rounded(.towardZero))
        default:
            return nil
        }
    }

    /// A pre-v10 level written as a string, read as Synapse reads it (Python's `int()`), which the
    /// spec's "stringy power levels" fragment describes for the ASCII cases: optional surrounding
    /// whitespace, at most one `+` or `-`, then decimal digits. Like `int()`, it also takes digits of
    /// other scripts (any Unicode decimal digit) and single `_` between digits; servers must agree on
    /// these rooms' state, so the de-facto reading wins. No decimal point, no exponent.
    static func parseIntegerString(_ text: String) -> Int64? {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, isPythonWhitespace(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, isPythonWhitespace(last) { scalars = scalars.dropLast() }
        var negative = false
        if let sign = scalars.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            scalars = scalars.dropFirst()
        }
        guard !scalars.isEmpty, scalars.first != "_", scalars.last != "_" else { return nil }
        var value: Int64 = 0
        var previousWasUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                guard !previousWasUnderscore else { return nil }
                previousWasUnderscore = true
                continue
            }
            previousWasUnderscore = false
            guard scalar.properties.numericType == .decimal, let numeric = scalar.properties.numericValue,
                numeric >= 0, numeric <= 9
            else { return nil }
            let digit = Int64(numeric)
            // Accumulate towards the sign so Int64.min stays representable.
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }

    /// What Python's `str.strip()` removes: Unicode white space plus the ASCII separators 0x1C-0x1F.
    private static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }
}
