import GRDB
import MatrixCore

/// What sliding sync filters and orders a user's rooms by, read for all of them in one transaction:
/// the room's type and encryption (for `room_types` and `is_encrypted`), its name (`room_name_like`),
/// who sent the user's membership (a leave by the user themselves is left out of lists), and its
/// bump stamp (the stream position of its last "proper" activity).
public struct SlidingRoomFacts: Sendable, Equatable {
    public var roomType: String?
    /// Whether the room type is known at all (a remote invite's stripped state may not say).
    public var hasCreateEvent: Bool
    public var isEncrypted: Bool
    public var name: String?
    public var membershipSender: String?
    public var bumpStamp: Int64?

    public init(roomType: String? = nil, hasCreateEvent: Bool = false, isEncrypted: Bool = false, name: String? = nil,
                membershipSender: String? = nil, bumpStamp: Int64? = nil) {
        self.roomType = roomType
        self.hasCreateEvent = hasCreateEvent
        self.isEncrypted = isEncrypted
        self.name = name
        self.membershipSender = membershipSender
        self.bumpStamp = bumpStamp
    }
}

/// One room to read facts for.
public struct SlidingRoomFactsQuery: Sendable {
    public let roomNid: Int64
    public let membershipEventNid: Int64
    /// A member reads the room's current state and its bump stamp; others the state at their membership
    /// event (or, for a room this server is not in, the stripped state that event carries).
    public let isJoined: Bool

    public init(roomNid: Int64, membershipEventNid: Int64, isJoined: Bool) {
        self.roomNid = roomNid
        self.membershipEventNid = membershipEventNid
        self.isJoined = isJoined
    }
}

extension RoomEventStore {
    /// The event types that bump a room in sliding sync lists (MSC4186 "bump_stamp").
    public static let bumpEventTypes = ["m.room.create", "m.room.message", "m.room.encrypted", "m.sticker",
                                        "m.call.invite", "m.poll.start", "m.beacon_info"]

    /// Facts for each room (by room nid), as of stream position `upTo`.
    public func slidingRoomFacts(_ queries: [SlidingRoomFactsQuery], upTo: Int64) async throws
        -> [Int64: SlidingRoomFacts]
    {
        if queries.isEmpty { return [:] }
        return try await database.read { db in
            let tuples = ["m.room.create", "m.room.encryption", "m.room.name"].map { StateTuple(type: $0, stateKey: "") }
            let keyNids = try NumericIDs.stateKeyNids(db, tuples)
            let marks = Array(repeating: "?", count: Self.bumpEventTypes.count).joined(separator: ",")
            let bumpSQL = """
                SELECT stream_pos FROM events WHERE room_nid = ? AND stream_pos IS NOT NULL AND stream_pos <= ?
                AND type IN (\(marks)) ORDER BY stream_pos DESC LIMIT 1
                """
            var result: [Int64: SlidingRoomFacts] = [:]
            for query in queries {
                var facts = SlidingRoomFacts()
                let membership = try Self.events(db, where: "e.event_nid = ?", arguments: [query.membershipEventNid],
                                                 cached: true).first
                facts.membershipSender = membership?.sender
                let snapshot = query.isJoined
                    ? try Int64.fetchOne(db.cachedStatement(sql: "SELECT current_snapshot_nid FROM rooms WHERE room_nid = ?"),
                                         arguments: [query.roomNid])
                    : membership?.stateAfter
                var contents: [String: JSONObject] = [:]
                if let snapshot, !keyNids.isEmpty {
                    let state = try StateSnapshots.lookup(db, snapshot, keys: Array(keyNids.values))
                    let byKey = Dictionary(uniqueKeysWithValues: keyNids.map { ($0.value, $0.key.type) })
                    let nids = state.map(\.value)
                    if !nids.isEmpty {
                        let types = Dictionary(state.map { ($0.value, byKey[$0.key] ?? "") }, uniquingKeysWith: { a, _ in a })
                        let list = nids.map(String.init).joined(separator: ",")
                        for event in try Self.events(db, where: "e.event_nid IN (\(list))") {
                            if case .object(let json)? = try? JSONParser.parse(event.json),
                                let content = json["content"]?.objectValue, let type = types[event.nid]
                            {
                                contents[type] = content
                            }
                        }
                    }
                } else if let membership, case .object(let json)? = try? JSONParser.parse(membership.json) {
                    // A remote invite or knock: the stripped state its server sent.
                    let stripped = (json["unsigned"]?["invite_room_state"] ?? json["unsigned"]?["knock_room_state"])?
                        .arrayValue ?? []
                    for event in stripped {
                        guard let type = event["type"]?.stringValue, event["state_key"]?.stringValue == "",
                            let content = event["content"]?.objectValue
                        else { continue }
                        contents[type] = content
                    }
                }
                if let create = contents["m.room.create"] {
                    facts.hasCreateEvent = true
                    facts.roomType = create["type"]?.stringValue
                }
                facts.isEncrypted = contents["m.room.encryption"] != nil
                facts.name = contents["m.room.name"]?["name"]?.stringValue
                if query.isJoined {
                    facts.bumpStamp = try Int64.fetchOne(
                        db.cachedStatement(sql: bumpSQL),
                        arguments: StatementArguments([query.roomNid, upTo] as [any DatabaseValueConvertible]
                                                      + Self.bumpEventTypes))
                }
                result[query.roomNid] = facts
            }
            return result
        }
    }
}
