import MatrixCore
import MyelinStorage

/// An event a local user (or the server for them) asks to send; the pipeline fills in the DAG fields.
public struct LocalEvent: Sendable {
    public var type: String
    public var stateKey: String?
    public var sender: String
    public var content: JSONObject
    /// For `m.room.redaction`: the redacted event (put in `content` from v11, top level before).
    public var redacts: String?
    /// Idempotency key of `PUT /send` and state requests.
    public var transaction: TransactionKey?

    public init(type: String, stateKey: String? = nil, sender: String, content: JSONObject, redacts: String? = nil,
                transaction: TransactionKey? = nil) {
        self.type = type
        self.stateKey = stateKey
        self.sender = sender
        self.content = content
        self.redacts = redacts
        self.transaction = transaction
    }
}

/// A local event once persisted (or found again by its transaction ID).
public struct SentEvent: Sendable {
    public let eventId: String
    public let streamPos: Int64?
    /// False when the transaction ID had been used: the earlier event is returned.
    public let isNew: Bool
}
