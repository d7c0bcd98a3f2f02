/// The ID of an event, per `RoomVersion.eventIDFormat`: carried in `event_id` in v1/v2, otherwise `$`
/// plus unpadded base64 of the reference hash (standard alphabet in v3, URL-safe from v4).
public enum EventID {
    public static func compute(_ event: JSONObject, roomVersion: RoomVersion) throws(EventFormatError)
        -> String
    {
        switch roomVersion.eventIDFormat {
        case .senderChosen:
            guard let value = event["event_id"] else { throw EventFormatError("event_id", .missing) }
            guard case .string(let id) = value else {
                throw EventFormatError("event_id", .wrongType(expected: "string", found: value.typeName))
            }
            return id
        case .referenceHashStandard:
            return "$" + Base64.encode(try referenceHash(event, roomVersion: roomVersion))
        case .referenceHashURLSafe:
            return "$" + Base64.encode(try referenceHash(event, roomVersion: roomVersion), urlSafe: true)
        }
    }

    private static func referenceHash(_ event: JSONObject, roomVersion: RoomVersion) throws(EventFormatError)
        -> [UInt8]
    {
        do {
            return try ReferenceHash.compute(event, roomVersion: roomVersion)
        } catch {
            throw EventFormatError("event", .notCanonical(error.description))
        }
    }
}
