import MatrixCore
import MyelinStorage

/// Filters a user uploads for `/sync` (client-server API, "Filtering"): `POST /user/{userId}/filter`,
/// `GET /user/{userId}/filter/{filterId}`, and the lookup sync makes for its `filter` parameter.
public struct FilterService: Sendable {
    let store: FilterStore

    public init(context: AccountsContext) {
        self.store = context.filters
    }

    /// Checks the body with `Filter(json:)` (400 `M_BAD_JSON` naming the bad member) and stores it as
    /// the client sent it, unknown members included, so a GET returns them. Returns the filter ID.
    public func create(_ requester: Requester, targetUserId: String, body: JSONObject) async throws -> String {
        try checkOwner(requester, targetUserId, verb: "create")
        _ = try Filter(json: body)
        do {
            let id = try await store.add(userNid: requester.userNid, json: CanonicalJSON.encodeLenient(.object(body)))
            return String(id)
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
    }

    /// The stored filter's JSON; 404 `M_NOT_FOUND` for an ID the user does not have (including IDs
    /// that are not numbers: the spec's one answer for an unknown filter).
    public func get(_ requester: Requester, targetUserId: String, filterId: String) async throws -> [UInt8] {
        try checkOwner(requester, targetUserId, verb: "get")
        guard let id = Self.numericId(filterId),
            let json = try await store.get(userNid: requester.userNid, filterId: id)
        else { throw MatrixError.notFound("No such filter") }
        return json
    }

    /// One of the user's filters, parsed; nil when the user has no filter with that ID.
    public func filter(userNid: Int64, id: String) async throws -> Filter? {
        guard let number = Self.numericId(id), let json = try await store.get(userNid: userNid, filterId: number)
        else { return nil }
        guard case .object(let object) = try JSONParser.parse(json) else { return nil }
        return try Filter(json: object)
    }

    /// What `/sync`'s `filter` parameter names: nothing (the default filter), inline JSON (starts with
    /// `{`; 400 `M_NOT_JSON` / `M_BAD_JSON` when bad) or a filter ID. An unknown ID is 400
    /// `M_INVALID_PARAM`, as Synapse answers `/sync`.
    public func syncFilter(userNid: Int64, parameter: String?) async throws -> Filter {
        guard let parameter, !parameter.isEmpty else { return Filter() }
        if parameter.hasPrefix("{") { return try Filter(jsonText: parameter) }
        guard let filter = try await filter(userNid: userNid, id: parameter) else {
            throw MatrixError.invalidParam("No such filter: \(parameter)")
        }
        return filter
    }

    /// Filter IDs are decimal numbers; anything else names no filter.
    static func numericId(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int64(text)
    }

    private func checkOwner(_ requester: Requester, _ target: String, verb: String) throws {
        guard target == requester.userId else {
            throw MatrixError.forbidden("Cannot \(verb) filters for other users")
        }
    }
}
