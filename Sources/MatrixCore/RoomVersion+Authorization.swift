/// Room-version properties the authorization rules need, derived from the shared version table
/// (`RoomVersion.swift`) so that table stays the single source of truth.
extension RoomVersion {
    /// v1, v2: redactions have their own auth rule (redact level, or same event ID domain). From v3
    /// the rule moved out of the auth rules ("Handling redactions"), together with sender-chosen IDs.
    public var redactionAuthRule: Bool { eventIDFormat == .senderChosen }

    /// v1-v5: power levels may be floats, truncated (the "floaty power levels" fragment). From v6
    /// canonical JSON forbids floats in events altogether.
    public var floatPowerLevels: Bool { !strictCanonicalJSON }

    /// v1-v9: power levels may be integer strings (the "stringy power levels" fragment).
    public var stringPowerLevels: Bool { !integerPowerLevels }

    /// v1-v11: the create event is one of every event's auth events. In v12 the room ID stands for it.
    public var createEventInAuthEvents: Bool { !roomIDFromCreateEvent }
}
