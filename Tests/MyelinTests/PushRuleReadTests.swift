import Foundation
import MatrixCore
import Testing

/// One push rule at a time (`GET /pushrules/global/{kind}/{ruleId}` and its `enabled` and `actions`), and
/// the pusher list, which stays empty while Myelin sends no pushes.
@Suite struct PushRuleReadTests {
    @Test func oneRuleItsFlagAndItsActions() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let base = "/_matrix/client/v3/pushrules/global"
            #expect(try await server.client.get("\(base)/override/.m.rule.master").status == 401)
            let master = try await server.client.get("\(base)/override/.m.rule.master", token: alice.accessToken)
            #expect(master.status == 200)
            #expect(master.json["rule_id"]?.stringValue == ".m.rule.master")
            #expect(master.json["default"]?.boolValue == true)
            let enabled = try await server.client.get("\(base)/override/.m.rule.master/enabled", token: alice.accessToken)
            #expect(enabled.json == ["enabled": false])
            let message = try await server.client.get("\(base)/underride/.m.rule.message/actions", token: alice.accessToken)
            #expect(message.json["actions"]?.arrayValue?.first?.stringValue == "notify")
            // The content rule that matches the user's name is theirs.
            let name = try await server.client.get("\(base)/content/.m.rule.contains_user_name", token: alice.accessToken)
            #expect(name.json["pattern"]?.stringValue == "alice")
            // Under r0 too, as older clients ask.
            let r0 = try await server.client.get("/_matrix/client/r0/pushrules/global/override/.m.rule.master",
                                                 token: alice.accessToken)
            #expect(r0.json == master.json)

            let missing = try await server.client.get("\(base)/override/.m.rule.nothing", token: alice.accessToken)
            #expect(missing.status == 404)
            #expect(missing.errcode == "M_NOT_FOUND")
            let wrongKind = try await server.client.get("\(base)/overide/.m.rule.master", token: alice.accessToken)
            #expect(wrongKind.status == 400)
            #expect(wrongKind.errcode == "M_INVALID_PARAM")
            // A rule of another kind is not found under this one.
            let elsewhere = try await server.client.get("\(base)/underride/.m.rule.master", token: alice.accessToken)
            #expect(elsewhere.status == 404)
        }
    }

    @Test func thereAreNoPushers() async throws {
        try await withServer { server in
            #expect(try await server.client.get("/_matrix/client/v3/pushers").status == 401)
            let alice = try await server.register("alice")
            let pushers = try await server.client.get("/_matrix/client/v3/pushers", token: alice.accessToken)
            #expect(pushers.status == 200)
            #expect(pushers.json == ["pushers": .array([])])
        }
    }
}
