import Foundation
import MatrixCore
import MyelinAccounts
import Testing

/// `/user/{userId}/rooms/{roomId}/tags[/{tag}]`, stored as the room's `m.tag` account data.
@Suite struct RoomTagTests {
    private func tagsPath(_ user: TestServer.User, _ roomId: String, _ tag: String? = nil) -> String {
        let base = "/_matrix/client/v3/user/\(TestServer.segment(user.userId))/rooms/\(TestServer.segment(roomId))/tags"
        return tag.map { base + "/" + TestServer.segment($0) } ?? base
    }

    @Test func putGetDeleteAsAccountData() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.createRoom(alice)
            let services = server.running.homeserver.services
            let aliceNid = try #require(try await services.accounts.users.user(localpart: "alice")?.nid)
            let changes = await services.accounts.accountData.changes.subscribe()
            let startPosition = try await services.sync.currentToken().accountData

            let none = try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken)
            #expect(none.status == 200)
            #expect(none.json == ["tags": [:]])

            let favourite = try await server.client.put(tagsPath(alice, roomId, "m.favourite"), ["order": .double(0.25)],
                                                        token: alice.accessToken)
            #expect(favourite.status == 200)
            #expect(favourite.json == [:])
            #expect(try await server.client.put(tagsPath(alice, roomId, "u.work"), [:], token: alice.accessToken)
                .status == 200)
            // Bounds of `order` and of the name's length are accepted; unknown members are kept.
            #expect(try await server.client.put(tagsPath(alice, roomId, "u.first"), ["order": 0],
                                                token: alice.accessToken).status == 200)
            let longest = "u." + String(repeating: "é", count: 126) + "x"
            #expect(longest.utf8.count == 255)
            #expect(try await server.client.put(tagsPath(alice, roomId, longest), ["order": 1, "org.example.colour": "red"],
                                                token: alice.accessToken).status == 200)
            let all = try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken)
            #expect(all.json == ["tags": [
                "m.favourite": ["order": .double(0.25)], "u.work": [:], "u.first": ["order": 0],
                longest: ["order": 1, "org.example.colour": "red"],
            ]])

            // Replacing a tag replaces its object.
            #expect(try await server.client.put(tagsPath(alice, roomId, "m.favourite"), ["order": .double(0.5)],
                                                token: alice.accessToken).status == 200)
            // The tags are the room's m.tag account data, which sync's account data stream carries.
            let accountData = try await server.client.get(
                "/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/rooms/\(TestServer.segment(roomId))/account_data/m.tag",
                token: alice.accessToken)
            #expect(accountData.json["tags"]?["m.favourite"] == ["order": .double(0.5)])
            let streamed = try await services.accounts.accountData.changes(
                userNid: aliceNid, after: startPosition, upTo: try await services.sync.currentToken().accountData)
            #expect(streamed.map(\.type) == ["m.tag"])
            #expect(streamed.first?.roomId == roomId)
            #expect(try await nextChange(changes) == aliceNid)

            // Removing: the tag goes, removing it again is fine, the others stay.
            let removed = try await server.client.request("DELETE", tagsPath(alice, roomId, "u.work"),
                                                          token: alice.accessToken)
            #expect(removed.status == 200)
            #expect(removed.json == [:])
            #expect(try await server.client.request("DELETE", tagsPath(alice, roomId, "u.work"), token: alice.accessToken)
                .status == 200)
            #expect(try await server.client.request("DELETE", tagsPath(alice, roomId, "u.never"),
                                                    token: alice.accessToken).status == 200)
            let after = try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken)
            #expect(after.json["tags"]?.objectValue?.sortedKeys == ["m.favourite", "u.first", longest])

            // Tags are per user: Bob, invited but not joined, has his own.
            try await server.inviteOK(alice, roomId, bob)
            #expect(try await server.client.put(tagsPath(bob, roomId, "m.lowpriority"), [:], token: bob.accessToken)
                .status == 200)
            #expect(try await server.client.get(tagsPath(bob, roomId), token: bob.accessToken).json
                    == ["tags": ["m.lowpriority": [:]]])
            #expect(try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken).json["tags"]?
                .objectValue?.count == 3)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.createRoom(alice)
            try await server.inviteOK(alice, roomId, bob)
            _ = try await server.join(bob, roomId)
            _ = try await server.client.put(tagsPath(alice, roomId, "u.mine"), [:], token: alice.accessToken)

            // Only the user themself, even for a room both are in.
            let read = try await server.client.get(tagsPath(alice, roomId), token: bob.accessToken)
            #expect(read.status == 403)
            #expect(read.errcode == "M_FORBIDDEN")
            let write = try await server.client.put(tagsPath(alice, roomId, "u.bob"), [:], token: bob.accessToken)
            #expect(write.status == 403)
            #expect(write.errcode == "M_FORBIDDEN")
            let remove = try await server.client.request("DELETE", tagsPath(alice, roomId, "u.mine"),
                                                         token: bob.accessToken)
            #expect(remove.status == 403)
            #expect(remove.errcode == "M_FORBIDDEN")
            #expect(try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken).json
                    == ["tags": ["u.mine": [:]]])

            // A room the user has no membership in, or that does not exist: 403, as Synapse.
            let stranger = try await server.client.put(tagsPath(carol, roomId, "u.x"), [:], token: carol.accessToken)
            #expect(stranger.status == 403)
            #expect(stranger.errcode == "M_FORBIDDEN")
            let unknown = try await server.client.put(tagsPath(alice, "!nowhere:\(server.serverName)", "u.x"), [:],
                                                      token: alice.accessToken)
            #expect(unknown.status == 403)

            // Not a room ID.
            for badRoom in ["not-a-room", "#alias:\(server.serverName)"] {
                let get = try await server.client.get(tagsPath(alice, badRoom), token: alice.accessToken)
                let put = try await server.client.put(tagsPath(alice, badRoom, "u.x"), [:], token: alice.accessToken)
                let delete = try await server.client.request("DELETE", tagsPath(alice, badRoom, "u.x"),
                                                             token: alice.accessToken)
                for response in [get, put, delete] {
                    #expect(response.status == 400, "\(badRoom)")
                    #expect(response.errcode == "M_INVALID_PARAM", "\(badRoom)")
                }
            }

            // Tag names over 255 bytes.
            let tooLong = "u." + String(repeating: "é", count: 127)
            let long = try await server.client.put(tagsPath(alice, roomId, tooLong), [:], token: alice.accessToken)
            #expect(long.status == 400)
            #expect(long.errcode == "M_INVALID_PARAM")

            // Bodies: not JSON, not an object, `order` not a number or outside [0, 1].
            let notJSON = try await server.client.request("PUT", tagsPath(alice, roomId, "u.x"),
                                                          rawBody: Data("order=1".utf8), token: alice.accessToken)
            #expect(notJSON.status == 400)
            #expect(notJSON.errcode == "M_NOT_JSON")
            let cases: [(JSONValue, String)] = [
                ([1], "M_BAD_JSON"), (["order": "0.5"], "M_BAD_JSON"), (["order": [:]], "M_BAD_JSON"),
                (["order": .double(1.5)], "M_INVALID_PARAM"), (["order": .double(-0.1)], "M_INVALID_PARAM"),
                (["order": 2], "M_INVALID_PARAM"),
            ]
            for (body, errcode) in cases {
                let response = try await server.client.put(tagsPath(alice, roomId, "u.x"), body, token: alice.accessToken)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            #expect(try await server.client.get(tagsPath(alice, roomId), token: alice.accessToken).json
                    == ["tags": ["u.mine": [:]]])
            #expect(try await server.client.get(tagsPath(alice, roomId)).status == 401)
        }
    }

    /// The next user ID the hook reports, or a failure after a few seconds.
    private func nextChange(_ stream: AsyncStream<Int64>) async throws -> Int64? {
        try await withThrowingTaskGroup(of: Int64?.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: .seconds(5))
                throw TestFailure("no account data change reported")
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
