import MatrixCore
import MyelinAccounts

extension SyncService {
    /// The `filter` query parameter: inline JSON (starts with `{`) or the ID of a stored filter.
    public func filter(_ parameter: String?, for requester: Requester) async throws -> Filter? {
        guard let parameter, !parameter.isEmpty else { return nil }
        if parameter.hasPrefix("{") { return try Filter(jsonText: parameter) }
        guard let stored = try await storedFilters?(requester, parameter) else {
            throw MatrixError.invalidParam("No filter with ID \(parameter)")
        }
        return stored
    }
}
