/// What a push rule does when it matches (push module, "Actions").
public enum PushAction: Sendable, Hashable {
    /// Each matching event generates a notification.
    case notify
    /// An entry of the notification's `tweaks`: `sound`, `highlight` and whatever clients and push
    /// gateways agree on. A nil value is written without `value` (for `highlight`, that means true).
    case setTweak(String, value: JSONValue?)
    /// An action this server does not know: kept so the rule reads back as stored, and otherwise ignored.
    case unknown(JSONValue)

    public static let highlight = PushAction.setTweak("highlight", value: nil)
    public static func sound(_ name: String) -> PushAction { .setTweak("sound", value: .string(name)) }

    /// The historical `dont_notify` and `coalesce`, which the spec says to strip wherever they appear.
    static let historical: Set<String> = ["dont_notify", "coalesce"]

    /// An action as JSON, or nil for a historical one (to be dropped).
    public init?(json: JSONValue) {
        switch json {
        case .string("notify"):
            self = .notify
        case .string(let name) where Self.historical.contains(name):
            return nil
        case .object(let object):
            if let tweak = object["set_tweak"]?.stringValue {
                self = .setTweak(tweak, value: object["value"])
            } else {
                self = .unknown(json)
            }
        default:
            self = .unknown(json)
        }
    }

    /// Actions as JSON, historical ones dropped.
    public static func list(json: [JSONValue]) -> [PushAction] { json.compactMap(PushAction.init(json:)) }

    public var json: JSONValue {
        switch self {
        case .notify:
            return "notify"
        case .setTweak(let name, let value):
            var object: JSONObject = ["set_tweak": .string(name)]
            if let value { object["value"] = value }
            return .object(object)
        case .unknown(let raw):
            return raw
        }
    }
}

extension Array where Element == PushAction {
    /// Whether these actions notify.
    public var notifies: Bool { contains(.notify) }

    /// The `highlight` tweak: true when given without a value or with `true`; false when absent.
    public var highlights: Bool {
        for action in self {
            guard case .setTweak("highlight", let value) = action else { continue }
            return value == nil || value == .bool(true)
        }
        return false
    }
}
