extension PDU {
    /// A received event: its format is validated for `roomVersion` and its event ID computed (taken
    /// from `event_id` in v1/v2, the reference hash from v3). Signatures and hashes are checked separately.
    public init(json: JSONObject, roomVersion: RoomVersion) throws(EventFormatError) {
        try EventFormat.validate(json: json, roomVersion: roomVersion)
        self.init(eventId: try EventID.compute(json, roomVersion: roomVersion), roomVersion: roomVersion, json: json)
    }
}
