import MatrixCore

/// A `/sync` position: one position per stream. Written `s<rooms>_<accountData>_<receipts>_<typing>_
/// <toDevice>_<deviceLists>_<presence>`; streams this server does not run yet stay 0. Older tokens with
/// fewer parts read as 0 for the missing streams, so adding a stream never invalidates clients' tokens.
public struct SyncToken: Sendable, Hashable, CustomStringConvertible {
    public var rooms: Int64 = 0
    public var accountData: Int64 = 0
    public var receipts: Int64 = 0
    public var typing: Int64 = 0
    public var toDevice: Int64 = 0
    public var deviceLists: Int64 = 0
    public var presence: Int64 = 0

    public init(rooms: Int64 = 0, accountData: Int64 = 0) {
        self.rooms = rooms
        self.accountData = accountData
    }

    public var description: String {
        "s" + [rooms, accountData, receipts, typing, toDevice, deviceLists, presence].map(String.init)
            .joined(separator: "_")
    }

    /// 400 `M_INVALID_PARAM` for anything this server did not write.
    public init(parsing text: String) throws(MatrixError) {
        guard text.hasPrefix("s") else { throw MatrixError.invalidParam("Invalid sync token \(text)") }
        let parts = text.dropFirst().split(separator: "_", omittingEmptySubsequences: false)
        var values: [Int64] = []
        for part in parts {
            guard let value = Int64(part), value >= 0 else { throw MatrixError.invalidParam("Invalid sync token \(text)") }
            values.append(value)
        }
        guard !values.isEmpty, values.count <= 7 else { throw MatrixError.invalidParam("Invalid sync token \(text)") }
        values += Array(repeating: 0, count: 7 - values.count)
        (rooms, accountData, receipts, typing, toDevice, deviceLists, presence) =
            (values[0], values[1], values[2], values[3], values[4], values[5], values[6])
    }
}
