/// One condition of an `override` or `underride` push rule (push module, "Conditions"). All of a
/// rule's conditions must hold for it to match.
public enum PushCondition: Sendable, Hashable {
    /// A glob on a string property, case-insensitive, on the whole value (within words for `content.body`).
    case eventMatch(key: String, pattern: String)
    /// An exact match of a property against a string, integer, boolean or null.
    case eventPropertyIs(key: String, value: JSONValue)
    /// An array property holds the value (string, integer, boolean or null).
    case eventPropertyContains(key: String, value: JSONValue)
    /// `content.body` contains the user's display name in the room (deprecated in v1.17, used by the
    /// legacy mention rules).
    case containsDisplayName
    case roomMemberCount(RoomMemberCountBound)
    /// The sender has the power level that `notifications[key]` asks for.
    case senderNotificationPermission(key: String)
    /// A condition of a kind this server does not know, or with unusable parameters: never matches,
    /// which effectively disables its rule (as the spec asks), and is kept so the rule reads back.
    case unknown(JSONObject)

    public init(json: JSONObject) {
        let key = json["key"]?.stringValue
        switch json["kind"]?.stringValue {
        case "event_match":
            if let key, let pattern = json["pattern"]?.stringValue {
                self = .eventMatch(key: key, pattern: pattern)
                return
            }
        case "event_property_is":
            if let key, let value = json["value"], value.isExactMatchValue {
                self = .eventPropertyIs(key: key, value: value)
                return
            }
        case "event_property_contains":
            if let key, let value = json["value"], value.isExactMatchValue {
                self = .eventPropertyContains(key: key, value: value)
                return
            }
        case "contains_display_name":
            self = .containsDisplayName
            return
        case "room_member_count":
            if let text = json["is"]?.stringValue, let bound = RoomMemberCountBound(parsing: text) {
                self = .roomMemberCount(bound)
                return
            }
        case "sender_notification_permission":
            if let key {
                self = .senderNotificationPermission(key: key)
                return
            }
        default:
            break
        }
        self = .unknown(json)
    }

    public var json: JSONObject {
        switch self {
        case .eventMatch(let key, let pattern):
            return ["kind": "event_match", "key": .string(key), "pattern": .string(pattern)]
        case .eventPropertyIs(let key, let value):
            return ["kind": "event_property_is", "key": .string(key), "value": value]
        case .eventPropertyContains(let key, let value):
            return ["kind": "event_property_contains", "key": .string(key), "value": value]
        case .containsDisplayName:
            return ["kind": "contains_display_name"]
        case .roomMemberCount(let bound):
            return ["kind": "room_member_count", "is": .string(bound.description)]
        case .senderNotificationPermission(let key):
            return ["kind": "sender_notification_permission", "key": .string(key)]
        case .unknown(let raw):
            return raw
        }
    }
}

extension JSONValue {
    /// The values `event_property_is` and `event_property_contains` compare: strings, booleans, null
    /// and integers within canonical JSON's range; never arrays, objects or floats.
    var isExactMatchValue: Bool {
        switch self {
        case .string, .bool, .null: return true
        case .int(let value): return value >= -JSONParser.maxSafeInteger && value <= JSONParser.maxSafeInteger
        case .double, .array, .object: return false
        }
    }
}
