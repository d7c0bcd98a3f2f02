/// A state event still to be built and sent: what a client asked for or a server plans to send,
/// before it has a sender, prev events, auth events or hashes.
public struct StateEventDraft: Sendable, Hashable {
    public var type: String
    public var stateKey: String
    public var content: JSONObject

    public init(type: String, stateKey: String = "", content: JSONObject) {
        self.type = type
        self.stateKey = stateKey
        self.content = content
    }

    /// The (type, state key) pair, compared by code points as state keys are.
    var stateTupleKey: [JSONKey] { [JSONKey(type), JSONKey(stateKey)] }
}
