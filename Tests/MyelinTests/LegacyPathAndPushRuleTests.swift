import Foundation
import MatrixCore
import Testing

/// Older clients' `r0` paths (Quaternion and weechat-matrix log in with them) and the push rules that
/// Element Web reads before its first sync.
@Suite struct LegacyPathAndPushRuleTests {
    @Test func r0PathsReachTheSameEndpoints() async throws {
        try await withServer { server in
            let flows = try await server.client.get("/_matrix/client/r0/login")
            #expect(flows.status == 200)
            #expect(flows.json["flows"]?.arrayValue?.contains { $0["type"]?.stringValue == "m.login.password" } == true)
            let alice = try await server.register("alice")
            let login = try await server.client.post("/_matrix/client/r0/login", [
                "type": "m.login.password", "identifier": ["type": "m.id.user", "user": "alice"],
                "password": .string(TestServer.password),
            ])
            #expect(login.status == 200)
            let token = try #require(login.json["access_token"]?.stringValue)
            let whoami = try await server.client.get("/_matrix/client/r0/account/whoami", token: token)
            #expect(whoami.json["user_id"]?.stringValue == alice.userId)
            let created = try await server.client.post("/_matrix/client/r0/createRoom", [:], token: token)
            let roomId = try #require(created.json["room_id"]?.stringValue)
            let sent = try await server.client.put(
                "/_matrix/client/r0/rooms/\(TestServer.segment(roomId))/send/m.room.message/r0txn",
                ["msgtype": "m.text", "body": "from an old client"], token: token)
            #expect(sent.status == 200)
            let sync = try await server.client.get("/_matrix/client/r0/sync", token: token)
            #expect(sync.status == 200)
            #expect(sync.json["rooms"]?["join"]?[roomId] != nil)
            let media = try await server.client.get("/_matrix/media/r0/config", token: token)
            #expect(media.status == 200)
            // Unknown endpoints stay unknown under r0, and r0 is no wildcard for other prefixes.
            let unknown = try await server.client.get("/_matrix/client/r0/no_such_endpoint", token: token)
            #expect(unknown.status == 404)
            #expect(unknown.errcode == "M_UNRECOGNIZED")
            #expect(try await server.client.get("/_matrix/client/r1/account/whoami", token: token).status == 404)
        }
    }

    @Test func pushRulesAreServedAndInTheFirstSync() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            #expect(try await server.client.get("/_matrix/client/v3/pushrules/").status == 401)
            let all = try await server.client.get("/_matrix/client/v3/pushrules/", token: alice.accessToken)
            #expect(all.status == 200)
            let global = try #require(all.json["global"]?.objectValue)
            for kind in ["override", "content", "room", "sender", "underride"] {
                #expect(global[kind]?.arrayValue != nil, "\(kind)")
            }
            let overrides = global["override"]?.arrayValue ?? []
            #expect(overrides.first?["rule_id"]?.stringValue == ".m.rule.master")
            #expect(overrides.first?["enabled"]?.boolValue == false)
            let content = global["content"]?.arrayValue ?? []
            #expect(content.contains { $0["pattern"]?.stringValue == "alice" })
            let underrides = global["underride"]?.arrayValue ?? []
            #expect(underrides.contains { $0["rule_id"]?.stringValue == ".m.rule.message" })
            let r0 = try await server.client.get("/_matrix/client/r0/pushrules/global/", token: alice.accessToken)
            #expect(r0.status == 200)
            #expect(r0.json == all.json["global"])

            // The first sync carries them as account data; later syncs do not repeat them.
            let first = try await server.client.get("/_matrix/client/v3/sync", token: alice.accessToken)
            let events = first.json["account_data"]?["events"]?.arrayValue ?? []
            let pushRules = events.first { $0["type"]?.stringValue == "m.push_rules" }
            #expect(pushRules?["content"]?["global"] == all.json["global"])
            let since = try #require(first.json["next_batch"]?.stringValue)
            let next = try await server.client.get("/_matrix/client/v3/sync?timeout=0&since=\(since)",
                                                   token: alice.accessToken)
            let later = next.json["account_data"]?["events"]?.arrayValue ?? []
            #expect(!later.contains { $0["type"]?.stringValue == "m.push_rules" })
            // A filter that leaves account data out leaves them out too.
            let filtered = try await server.client.get(
                "/_matrix/client/v3/sync?filter=%7B%22account_data%22%3A%7B%22not_types%22%3A%5B%22m.push_rules%22%5D%7D%7D",
                token: alice.accessToken)
            let kept = filtered.json["account_data"]?["events"]?.arrayValue ?? []
            #expect(!kept.contains { $0["type"]?.stringValue == "m.push_rules" })
        }
    }
}
