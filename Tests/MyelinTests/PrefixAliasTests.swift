import Foundation
import MatrixCore
import Testing

/// One route per endpoint, found under every prefix Synapse serves it under: `unstable` for v3 and v1
/// endpoints, the three media versions for each other, and the named MSC prefixes routes list as aliases.
@Suite struct PrefixAliasTests {
    @Test func unstableNamesTheV3AndV1Endpoints() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let whoami = try await server.client.get("/_matrix/client/unstable/account/whoami", token: alice.accessToken)
            #expect(whoami.status == 200)
            #expect(whoami.json["user_id"]?.stringValue == alice.userId)
            // Cross-signing and key backup under unstable, as clients from before spec v1.1 call them.
            let backup = try await server.client.get("/_matrix/client/unstable/room_keys/version", token: alice.accessToken)
            #expect(backup.status == 404)
            #expect(backup.errcode == "M_NOT_FOUND")
            let signing = try await server.client.post("/_matrix/client/unstable/keys/device_signing/upload", [:],
                                                        token: alice.accessToken)
            #expect(signing.errcode != "M_UNRECOGNIZED")
            // A v1 endpoint (relations) under unstable.
            let roomId = try await server.createRoom(alice)
            let eventId = try await server.sendOK(alice, roomId)
            let relations = try await server.client.get(
                "/_matrix/client/unstable/rooms/\(TestServer.segment(roomId))/relations/\(TestServer.segment(eventId))",
                token: alice.accessToken)
            #expect(relations.status == 200)
            #expect(relations.json["chunk"]?.arrayValue?.isEmpty == true)
            // The same path under r0 is no v1 endpoint: Synapse serves relations under v1 and unstable only.
            let r0Relations = try await server.client.get(
                "/_matrix/client/r0/rooms/\(TestServer.segment(roomId))/relations/\(TestServer.segment(eventId))",
                token: alice.accessToken)
            #expect(r0Relations.status == 404)
            #expect(r0Relations.errcode == "M_UNRECOGNIZED")
        }
    }

    @Test func namedUnstablePrefixesAreAliasesOfTheirStableRoutes() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.createRoom(alice)
            let alias = "#walk:\(server.serverName)"
            let created = try await server.client.put("/_matrix/client/v3/directory/room/\(TestServer.segment(alias))",
                                                      ["room_id": .string(roomId)], token: alice.accessToken)
            #expect(created.status == 200)
            let aliases = try await server.client.get(
                "/_matrix/client/unstable/org.matrix.msc2432/rooms/\(TestServer.segment(roomId))/aliases",
                token: alice.accessToken)
            #expect(aliases.status == 200)
            #expect(aliases.json["aliases"]?.arrayValue?.compactMap(\.stringValue) == [alias])
            // MSC3882's login token path asks for the same user-interactive authentication as v1/login/get_token.
            let token = try await server.client.post("/_matrix/client/unstable/org.matrix.msc3882/login/token", [:],
                                                     token: alice.accessToken)
            #expect(token.status == 401)
            #expect(token.json["flows"]?.arrayValue?.isEmpty == false)
        }
    }

    @Test func theMediaVersionsNameOneRepository() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let config = try await server.client.get("/_matrix/media/v1/config", token: alice.accessToken)
            #expect(config.status == 200)
            #expect(config.json["m.upload.size"]?.intValue != nil)
            // `create` is v1 in the spec; Synapse answers it under v3 and r0 too.
            let created = try await server.client.post("/_matrix/media/v3/create", [:], token: alice.accessToken)
            #expect(created.status == 200)
            #expect(created.json["content_uri"]?.stringValue?.hasPrefix("mxc://") == true)
            let mediaId = try await server.uploadedMediaId(Array("hello".utf8), contentType: "text/plain",
                                                           token: alice.accessToken)
            let legacy = try await server.client.get("/_matrix/media/v1/download/\(server.serverName)/\(mediaId)")
            #expect(legacy.status == 200)
            #expect(String(decoding: legacy.body, as: UTF8.self) == "hello")
        }
    }

    @Test func unknownPathsStayUnknownUnderEveryPrefix() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            for path in ["/_matrix/client/unstable/org.example.nothing/thing", "/_matrix/client/unstable/no_such_thing",
                         "/_matrix/client/v2/account/whoami", "/_matrix/media/v2/config"] {
                let response = try await server.client.get(path, token: alice.accessToken)
                #expect(response.status == 404, "\(path)")
                #expect(response.errcode == "M_UNRECOGNIZED", "\(path)")
            }
            // A known path with a method it does not take is 405 under an alias prefix too.
            let wrongMethod = try await server.client.request("DELETE", "/_matrix/client/unstable/account/whoami",
                                                              token: alice.accessToken)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.errcode == "M_UNRECOGNIZED")
        }
    }
}
