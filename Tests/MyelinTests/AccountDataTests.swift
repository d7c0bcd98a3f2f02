import Foundation
import MatrixCore
import Testing

@Suite struct AccountDataTests {
    @Test func globalRoundTripAndOverwrite() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/user/\(alice.userId)/account_data/org.example.settings"
            let missing = try await server.client.get(path, token: alice.accessToken)
            #expect(missing.status == 404)
            #expect(missing.errcode == "M_NOT_FOUND")
            let content: JSONValue = ["theme": "dark", "size": 12, "nested": ["a": [1, 2, 3]], "emoji": "🦊"]
            #expect(try await server.client.put(path, content, token: alice.accessToken).status == 200)
            let read = try await server.client.get(path, token: alice.accessToken)
            #expect(read.json == content)
            #expect(try await server.client.put(path, ["theme": "light"], token: alice.accessToken).status == 200)
            #expect(try await server.client.get(path, token: alice.accessToken).json == ["theme": "light"])
        }
    }

    @Test func roomVariantIsSeparateFromGlobal() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let room = "!abc123:\(server.serverName)"
            let roomPath = "/_matrix/client/v3/user/\(alice.userId)/rooms/\(room)/account_data/m.tag.like"
            let globalPath = "/_matrix/client/v3/user/\(alice.userId)/account_data/m.tag.like"
            #expect(try await server.client.put(roomPath, ["room": true], token: alice.accessToken).status == 200)
            #expect(try await server.client.get(globalPath, token: alice.accessToken).status == 404)
            #expect(try await server.client.get(roomPath, token: alice.accessToken).json == ["room": true])
            let v12Room = "/_matrix/client/v3/user/\(alice.userId)/rooms/!AbCdEf0123_-xyz/account_data/x"
            #expect(try await server.client.put(v12Room, [:], token: alice.accessToken).status == 200)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let alicePath = "/_matrix/client/v3/user/\(alice.userId)/account_data/m.secret"
            _ = try await server.client.put(alicePath, ["s": 1], token: alice.accessToken)

            let peek = try await server.client.get(alicePath, token: bob.accessToken)
            #expect(peek.status == 403)
            #expect(peek.errcode == "M_FORBIDDEN")
            let write = try await server.client.put(alicePath, ["s": 2], token: bob.accessToken)
            #expect(write.status == 403)
            #expect(try await server.client.get(alicePath, token: alice.accessToken).json == ["s": 1])

            let notObject = try await server.client.request(
                "PUT", alicePath, rawBody: Data("[1]".utf8), token: alice.accessToken)
            #expect(notObject.errcode == "M_BAD_JSON")
            let notJSON = try await server.client.request(
                "PUT", alicePath, rawBody: Data("nope".utf8), token: alice.accessToken)
            #expect(notJSON.errcode == "M_NOT_JSON")

            let badRoom = try await server.client.put(
                "/_matrix/client/v3/user/\(alice.userId)/rooms/not-a-room/account_data/x", [:], token: alice.accessToken)
            #expect(badRoom.status == 400)
            #expect(badRoom.errcode == "M_INVALID_PARAM")

            let fullyRead = try await server.client.put(
                "/_matrix/client/v3/user/\(alice.userId)/rooms/!r:\(server.serverName)/account_data/m.fully_read",
                ["event_id": "$x"], token: alice.accessToken)
            #expect(fullyRead.status == 405)
            #expect(fullyRead.errcode == "M_BAD_JSON")
            let pushRules = try await server.client.put(
                "/_matrix/client/v3/user/\(alice.userId)/account_data/m.push_rules", [:], token: alice.accessToken)
            #expect(pushRules.status == 405)
            let anonymous = try await server.client.get(alicePath)
            #expect(anonymous.errcode == "M_MISSING_TOKEN")
        }
    }
}
