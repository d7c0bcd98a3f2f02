import MatrixCore

/// Compares two servers' sliding sync answers to the same scenario field by field: IDs become the
/// scenario's labels, and what legitimately differs between servers (event IDs, timestamps, positions,
/// opaque tokens, bump stamp values) is set aside before comparing.
struct SlidingSyncComparison {
    /// Room ID → label, user ID → label (each server's own IDs).
    let labels: [String: String]

    /// Keys whose values are opaque or server-specific: only their presence is compared.
    static let opaqueKeys: Set<String> = ["pos", "prev_batch", "bump_stamp", "event_id", "origin_server_ts", "age",
                                          "next_batch", "ts", "replaces_state", "txn_id", "transaction_id",
                                          "stream_ordering"]

    func normalize(_ value: JSONValue, key: String? = nil) -> JSONValue {
        if let key, Self.opaqueKeys.contains(key) { return "<opaque>" }
        switch value {
        case .string(let text): return .string(relabel(text))
        case .array(let items):
            var normalized = items.map { normalize($0) }
            // State is a set: its order is the server's choice.
            if key == "required_state" || key == "invite_state" {
                normalized.sort { Self.stateSortKey($0) < Self.stateSortKey($1) }
            }
            return .array(normalized)
        case .object(let object):
            var result: JSONObject = [:]
            for (field, inner) in object {
                // Object keys are IDs in places (rooms, receipts by event ID, users in a receipt).
                let relabelled = Self.opaqueKeys.contains(field) ? field : relabel(field)
                // A receipt is keyed by event ID: keep the structure, drop the ID.
                let name = relabelled.hasPrefix("$") ? "<event>" : relabelled
                result[name] = normalize(inner, key: field)
            }
            return .object(result)
        default: return value
        }
    }

    private func relabel(_ text: String) -> String {
        if let label = labels[text] { return label }
        if text.hasPrefix("$") { return "<event>" }
        return text
    }

    private static func stateSortKey(_ event: JSONValue) -> String {
        "\(event["type"]?.stringValue ?? "")|\(event["state_key"]?.stringValue ?? "")"
    }

    /// The paths at which `a` and `b` differ, with both values.
    static func differences(_ a: JSONValue, _ b: JSONValue, path: String = "") -> [String] {
        switch (a, b) {
        case (.object(let left), .object(let right)):
            var result: [String] = []
            for key in Set(left.keys).union(right.keys).sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                switch (left[key], right[key]) {
                case (let l?, let r?): result += differences(l, r, path: child)
                case (nil, let r?): result.append("\(child): only in synapse: \(r)")
                case (let l?, nil): result.append("\(child): only in myelin: \(l)")
                case (nil, nil): break
                }
            }
            return result
        case (.array(let left), .array(let right)) where left.count == right.count:
            return zip(left, right).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        case (.int(let l), .double(let r)) where Double(l) == r: return []
        case (.double(let l), .int(let r)) where l == Double(r): return []
        default:
            return a == b ? [] : ["\(path): myelin \(a) ≠ synapse \(b)"]
        }
    }
}
