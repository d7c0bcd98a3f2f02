/// Who created a room, read from its `m.room.create` event the way the event's room version says:
/// `content.creator` before v11, the `sender` from v11, and in v12 the `sender` plus
/// `content.additional_creators` (the "room creators" who have infinite power).
public struct RoomCreators: Sendable, Hashable {
    /// The creator the pre-v12 rules and the "first join" rule mean: `content.creator` before v11,
    /// the create event's `sender` from v11. Nil when a pre-v11 create event lacks `creator`.
    public let primary: String?
    /// Every room creator; in v12 the sender followed by the valid `additional_creators`.
    public let all: [String]

    public init(createEvent: PDU) {
        let version = createEvent.roomVersion
        if version.implicitRoomCreator {
            primary = createEvent.sender
        } else {
            primary = createEvent.content["creator"]?.stringValue
        }
        var all = primary.map { [$0] } ?? []
        if version.privilegedCreators, case .array(let extra)? = createEvent.content["additional_creators"] {
            // Invalid entries make the create event itself fail rule 1.4; skipping them here keeps this
            // view total for callers that hold an event the rules never accepted.
            for case .string(let user) in extra where Self.isValidUserID(user) && !all.contains(user) {
                all.append(user)
            }
        }
        self.all = all
    }

    public func contains(_ user: String) -> Bool { all.contains(user) }

    /// v12 rule 1.4: `additional_creators`, when present, must be an array of strings that each pass
    /// the user ID validation applied to `sender`. Returns the problem, or nil when acceptable.
    static func additionalCreatorsProblem(in content: JSONObject) -> String? {
        guard let value = content["additional_creators"] else { return nil }
        guard case .array(let items) = value else { return "additional_creators is a \(value.typeName), not an array" }
        for item in items {
            guard case .string(let user) = item else { return "additional_creators holds a \(item.typeName)" }
            guard isValidUserID(user) else { return "additional_creators holds an invalid user ID \"\(user)\"" }
        }
        return nil
    }

    /// The historical grammar, which is what a `sender` must pass (appendices, "User Identifiers").
    private static func isValidUserID(_ text: String) -> Bool {
        (try? UserID(parsing: text, strict: false)) != nil
    }
}
