import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Bundled aggregations of edits and references (client-server API, "Server-side aggregation of
/// `m.replace`" and "of `m.reference`"): an edited event carries its most recent valid replacement
/// under `unsigned.m.relations.m.replace`, a referenced one the IDs of its referrers under
/// `m.reference`. Element X and Element Web show edits from these.
extension RoomService {
    /// Adds the aggregations to `json` (the client form of `events`, same order). `visible` decides which
    /// replacement events the viewer may see (a viewer who left sees no later edit).
    public func bundleEditsAndReferences(_ json: inout [JSONObject], events: [StoredEvent], room: RoomRecord,
                                         viewer: Requester,
                                         visible: ([StoredEvent]) async throws -> [StoredEvent]) async throws {
        // State events and events that replace others are never edited (the spec's validity rules).
        let parents = events.filter { $0.relType != "m.replace" }
        let children = try await store.replacementsAndReferences(roomNid: room.nid, parentIds: parents.map(\.eventId))
        if children.isEmpty { return }
        var latestEdit: [String: RelationChildRow] = [:]
        var references: [String: [String]] = [:]
        let byId = Dictionary(parents.map { ($0.eventId, $0) }, uniquingKeysWith: { first, _ in first })
        for child in children {
            guard let parent = byId[child.parentId] else { continue }
            switch child.relType {
            case "m.replace":
                // Valid: same sender and type as the original, and the original is not a state event.
                guard child.sender == parent.sender, child.type == parent.type, parent.stateKey == nil else { continue }
                if let current = latestEdit[parent.eventId],
                    (current.originServerTs, current.eventId) > (child.originServerTs, child.eventId)
                {
                    continue
                }
                latestEdit[parent.eventId] = child
            default:
                references[parent.eventId, default: []].append(child.eventId)
            }
        }
        var editJSON: [String: JSONObject] = [:]
        if !latestEdit.isEmpty {
            let stored = try await store.events(nids: latestEdit.values.map(\.eventNid))
            let seen = try await visible(Array(stored.values))
            let formatted = try await clientEvents(seen, room: room, viewer: viewer)
            for (event, client) in zip(seen, formatted) { editJSON[event.eventId] = client }
        }
        for (index, event) in events.enumerated() {
            var bundled: JSONObject = [:]
            if let edit = latestEdit[event.eventId], let client = editJSON[edit.eventId] { bundled["m.replace"] = .object(client) }
            if let referrers = references[event.eventId] {
                bundled["m.reference"] = ["chunk": .array(referrers.map { ["event_id": .string($0)] })]
            }
            if bundled.isEmpty { continue }
            var unsigned = json[index]["unsigned"]?.objectValue ?? [:]
            var relations = unsigned["m.relations"]?.objectValue ?? [:]
            for (key, value) in bundled { relations[key] = value }
            unsigned["m.relations"] = .object(relations)
            json[index]["unsigned"] = .object(unsigned)
        }
    }
}
