/// What push rules need to know besides the event: whose rules they are and that user's view of the
/// room when the event arrived.
public struct PushEvaluationContext: Sendable {
    public let userId: String
    /// The user's display name in the room (their member event's `displayname`), if any.
    public let displayName: String?
    /// Joined members of the room.
    public let memberCount: Int64
    public let powerLevels: PowerLevels

    public init(userId: String, displayName: String?, memberCount: Int64, powerLevels: PowerLevels) {
        self.userId = userId
        self.displayName = displayName
        self.memberCount = memberCount
        self.powerLevels = powerLevels
    }
}
