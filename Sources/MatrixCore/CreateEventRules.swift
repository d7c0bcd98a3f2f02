/// Rule 1 of every room version: what an `m.room.create` event must look like. It comes first and
/// consults no state.
enum CreateEventRules {
    static func check(_ event: PDU, numbers: AuthRuleNumbers) -> AuthDecision {
        let version = event.roomVersion
        if let prevEvents = event.json["prev_events"], prevEvents.arrayValue?.isEmpty != true {
            return numbers.reject(numbers.create, 1, because: "the create event has prev_events")
        }
        if version.roomIDFromCreateEvent {
            // v12: the room ID is derived from this event's ID, so the event cannot carry one.
            if event.json["room_id"] != nil {
                return numbers.reject(numbers.create, 2, because: "the create event has a room_id")
            }
        } else {
            guard let roomID = event.roomId, let roomDomain = matrixIDDomain(roomID),
                roomDomain == matrixIDDomain(event.sender)
            else {
                return numbers.reject(
                    numbers.create, 2,
                    because: "the room ID \(event.roomId ?? "(none)") is not on the server of \(event.sender)")
            }
        }
        if let roomVersion = event.content["room_version"] {
            guard let name = roomVersion.stringValue, RoomVersion.named(name) != nil else {
                return numbers.reject(numbers.create, 3, because: "room_version \(roomVersion) is not a known version")
            }
        }
        if version.privilegedCreators, let problem = RoomCreators.additionalCreatorsProblem(in: event.content) {
            return numbers.reject(numbers.create, 4, because: problem)
        }
        if !version.implicitRoomCreator, event.content["creator"] == nil {
            return numbers.reject(numbers.create, 4, because: "the create event's content has no creator")
        }
        return .allow
    }
}
