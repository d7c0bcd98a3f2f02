import Foundation
import MatrixCore
import Testing

/// `POST /user/{userId}/filter` and `GET /user/{userId}/filter/{filterId}`, and the lookup sync uses.
@Suite struct FilterTests {
    private func filterPath(_ user: TestServer.User, _ id: String? = nil) -> String {
        let base = "/_matrix/client/v3/user/\(TestServer.segment(user.userId))/filter"
        return id.map { base + "/" + TestServer.segment($0) } ?? base
    }

    @Test func createAndGetKeepTheClientsJSON() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let first: JSONObject = [
                "room": [
                    "timeline": ["limit": 10, "types": ["m.room.message"], "not_senders": ["@spam:example.com"]],
                    "state": ["lazy_load_members": true],
                    "org.example.future": ["kept": true],
                ],
                "event_fields": ["type", "content.body"],
                "presence": ["not_types": ["*"]],
                "org.example.unknown": ["nested": [1, 2, 3]],
            ]
            let created = try await server.client.post(filterPath(alice), .object(first), token: alice.accessToken)
            #expect(created.status == 200)
            #expect(created.json == ["filter_id": "0"])

            // GET returns the body as it was sent, unknown members included.
            let read = try await server.client.get(filterPath(alice, "0"), token: alice.accessToken)
            #expect(read.status == 200)
            #expect(read.json == .object(first))

            // Another filter takes the next ID; the same one again keeps its ID.
            let second: JSONObject = ["room": ["rooms": ["!a:example.com"]]]
            let next = try await server.client.post(filterPath(alice), .object(second), token: alice.accessToken)
            #expect(next.json == ["filter_id": "1"])
            let again = try await server.client.post(filterPath(alice), .object(first), token: alice.accessToken)
            #expect(again.json == ["filter_id": "0"])
            // An empty filter is a filter.
            let empty = try await server.client.post(filterPath(alice), [:], token: alice.accessToken)
            #expect(empty.json == ["filter_id": "2"])
            #expect(try await server.client.get(filterPath(alice, "2"), token: alice.accessToken).json == [:])

            // IDs are per user.
            let bobs = try await server.client.post(filterPath(bob), .object(second), token: bob.accessToken)
            #expect(bobs.json == ["filter_id": "0"])
            #expect(try await server.client.get(filterPath(bob, "0"), token: bob.accessToken).json == .object(second))
            #expect(try await server.client.get(filterPath(bob, "1"), token: bob.accessToken).status == 404)

            // The lookup sync makes: by ID, inline, or none; an unknown ID is M_INVALID_PARAM.
            let services = server.running.homeserver.services
            let aliceNid = try #require(try await services.accounts.users.user(localpart: "alice")?.nid)
            let parsed = try #require(try await services.filters.filter(userNid: aliceNid, id: "0"))
            #expect(parsed.room.timeline.limit == 10)
            #expect(parsed.room.state.lazyLoadMembers == true)
            #expect(parsed.eventFields == ["type", "content.body"])
            #expect(try await services.filters.filter(userNid: aliceNid, id: "9") == nil)
            #expect(try await services.filters.syncFilter(userNid: aliceNid, parameter: "1").room.rooms
                    == ["!a:example.com"])
            #expect(try await services.filters.syncFilter(userNid: aliceNid, parameter: nil) == Filter())
            let inline = try await services.filters.syncFilter(userNid: aliceNid,
                                                               parameter: #"{"room":{"timeline":{"limit":3}}}"#)
            #expect(inline.room.timeline.limit == 3)
            do {
                _ = try await services.filters.syncFilter(userNid: aliceNid, parameter: "42")
                Issue.record("an unknown filter ID was accepted")
            } catch let error as MatrixError {
                #expect(error.errcode == "M_INVALID_PARAM")
            }
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            _ = try await server.client.post(filterPath(alice), ["room": ["timeline": ["limit": 5]]],
                                             token: alice.accessToken)

            // Another user's filters: neither created nor read.
            let create = try await server.client.post(filterPath(alice), [:], token: bob.accessToken)
            #expect(create.status == 403)
            #expect(create.errcode == "M_FORBIDDEN")
            let peek = try await server.client.get(filterPath(alice, "0"), token: bob.accessToken)
            #expect(peek.status == 403)
            #expect(peek.errcode == "M_FORBIDDEN")
            let remote = try await server.client.post("/_matrix/client/v3/user/%40alice%3Aelsewhere.example/filter",
                                                      [:], token: alice.accessToken)
            #expect(remote.status == 403)

            // Unknown IDs, numeric or not.
            for id in ["1", "999999", "abc", "-1", "99999999999999999999999"] {
                let missing = try await server.client.get(filterPath(alice, id), token: alice.accessToken)
                #expect(missing.status == 404, "\(id)")
                #expect(missing.errcode == "M_NOT_FOUND", "\(id)")
            }

            // Bodies that are not JSON, not an object, or not a valid filter.
            let notJSON = try await server.client.request("POST", filterPath(alice), rawBody: Data("{nope".utf8),
                                                          token: alice.accessToken)
            #expect(notJSON.status == 400)
            #expect(notJSON.errcode == "M_NOT_JSON")
            let bad: [JSONValue] = [
                [1, 2],
                ["room": ["timeline": ["limit": -1]]],
                ["room": ["timeline": ["limit": .double(1.5)]]],
                ["room": ["timeline": ["types": "m.room.message"]]],
                ["room": ["rooms": ["not-a-room"]]],
                ["room": ["state": ["senders": ["bob"]]]],
                ["event_format": "xml"],
                ["event_fields": [1]],
                ["presence": true],
            ]
            for body in bad {
                let response = try await server.client.post(filterPath(alice), body, token: alice.accessToken)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == "M_BAD_JSON", "\(body)")
            }
            // Nothing of those was stored.
            #expect(try await server.client.get(filterPath(alice, "1"), token: alice.accessToken).status == 404)

            // Without a token.
            #expect(try await server.client.post(filterPath(alice), [:]).status == 401)
        }
    }
}
