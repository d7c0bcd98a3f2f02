import Foundation
import MatrixCore
import Testing

/// `/sync` helpers for the tests that look at one room's entry: a non-blocking sync with a filter,
/// and readers for the parts of a room entry the assertions name.
extension TestServer {
    /// `GET /sync?timeout=0` with an inline filter and extra query parts (`use_state_after=true`);
    /// fails the test on a non-200.
    func syncOK(_ user: User, since: String? = nil, filter: JSONObject? = nil, extra: [String] = []) async throws
        -> JSONValue
    {
        var query = ["timeout=0"] + extra
        if let since { query.append("since=\(Self.queryValue(since))") }
        if let filter { query.append(Self.filterQuery(filter)) }
        let response = try await client.get("/_matrix/client/v3/sync?" + query.joined(separator: "&"),
                                            token: user.accessToken)
        guard response.status == 200 else { throw TestFailure("sync failed: \(response.status) \(response.json)") }
        return response.json
    }

    /// The `next_batch` of a sync answer.
    func nextBatch(_ answer: JSONValue) throws -> String {
        guard let token = answer["next_batch"]?.stringValue else { throw TestFailure("no next_batch in \(answer)") }
        return token
    }
}

extension JSONValue {
    /// The events of a room entry's section (`timeline`, `state`, `state_after`).
    func sectionEvents(_ section: String) -> [JSONValue] {
        self[section]?["events"]?.arrayValue ?? []
    }

    /// The bodies of a section's messages, in order.
    func sectionBodies(_ section: String = "timeline") -> [String] {
        sectionEvents(section).compactMap { $0["content"]?["body"]?.stringValue }
    }

    /// The state keys of a section's `m.room.member` events.
    func memberKeys(_ section: String) -> Set<String> {
        Set(sectionEvents(section).filter { $0["type"] == "m.room.member" }.compactMap { $0["state_key"]?.stringValue })
    }

    /// Whether a section holds an event of `type`.
    func hasEvent(_ type: String, in section: String) -> Bool {
        sectionEvents(section).contains { $0["type"]?.stringValue == type }
    }
}
