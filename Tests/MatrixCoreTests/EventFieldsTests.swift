import MatrixCore
import Testing

@Suite struct EventFieldsTests {
    let event: JSONObject = [
        "type": "m.room.message", "sender": "@a:x", "event_id": "$e",
        "content": ["body": "hi", "msgtype": "m.text", "m.relates_to": ["rel_type": "m.thread"]],
        "a.b": ["c": 1],
    ]

    @Test func keepsOnlyTheNamedPaths() {
        #expect(EventFields(["type", "content.body"]).apply(to: event)
            == ["type": "m.room.message", "content": ["body": "hi"]])
        #expect(EventFields(["content.m\\.relates_to"]).apply(to: event)
            == ["content": ["m.relates_to": ["rel_type": "m.thread"]]])
        #expect(EventFields(["a\\.b.c", "content"]).apply(to: event)
            == ["a.b": ["c": 1], "content": event["content"]!])
        #expect(EventFields(["missing", "content.nope", "type.deeper"]).apply(to: event) == [:])
        #expect(EventFields([]).apply(to: event) == [:])
    }
}
