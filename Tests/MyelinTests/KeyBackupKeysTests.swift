import Foundation
import MatrixCore
import Testing

@Suite struct KeyBackupKeysTests {
    typealias F = KeyBackupFixture

    @Test func putAndGetAtAllThreeLevels() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let version = try await F.create(server, alice)
            let roomA = "!a:\(server.serverName)"
            let roomB = "!b:\(server.serverName)"

            let whole = try await server.client.put(
                F.keysPath + "?version=\(version)",
                ["rooms": [roomA: ["sessions": ["s1": F.keyData(index: 0, tag: "a1")]]]], token: token)
            #expect(whole.status == 200)
            #expect(whole.json["count"] == 1)
            let room = try await server.client.put(
                F.keysPath + "/\(roomA)?version=\(version)",
                ["sessions": ["s2": F.keyData(index: 3, tag: "a2")]], token: token)
            #expect(room.json["count"] == 2)
            let session = try await server.client.put(
                F.keysPath + "/\(roomB)/s3?version=\(version)", F.keyData(index: 1, tag: "b3"), token: token)
            #expect(session.json["count"] == 3)

            let all = try await server.client.get(F.keysPath + "?version=\(version)", token: token)
            #expect(all.json == ["rooms": [
                roomA: ["sessions": ["s1": F.keyData(index: 0, tag: "a1"), "s2": F.keyData(index: 3, tag: "a2")]],
                roomB: ["sessions": ["s3": F.keyData(index: 1, tag: "b3")]],
            ]])
            let roomRead = try await server.client.get(F.keysPath + "/\(roomB)?version=\(version)", token: token)
            #expect(roomRead.json == ["sessions": ["s3": F.keyData(index: 1, tag: "b3")]])
            let sessionRead = try await server.client.get(F.keysPath + "/\(roomA)/s2?version=\(version)", token: token)
            #expect(sessionRead.json == F.keyData(index: 3, tag: "a2"))

            let emptyRoom = try await server.client.get(F.keysPath + "/!none:x?version=\(version)", token: token)
            #expect(emptyRoom.status == 200)
            #expect(emptyRoom.json == ["sessions": [:]])
            let missingSession = try await server.client.get(F.keysPath + "/\(roomA)/nope?version=\(version)",
                                                              token: token)
            #expect(missingSession.status == 404)
            #expect(missingSession.errcode == "M_NOT_FOUND")
            let unknownVersion = try await server.client.get(F.keysPath + "?version=5", token: token)
            #expect(unknownVersion.status == 404)
            #expect(unknownVersion.errcode == "M_NOT_FOUND")

            // Count and etag show on the version too.
            let info = try await server.client.get(F.versionPath + "/\(version)", token: token)
            #expect(info.json["count"] == 3)
            #expect(info.json["etag"] == session.json["etag"])
        }
    }

    @Test func deleteAtAllThreeLevelsAndWithTheVersion() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let version = try await F.create(server, alice)
            let body: JSONValue = ["rooms": [
                "!a:x": ["sessions": ["s1": F.keyData(index: 0), "s2": F.keyData(index: 0)]],
                "!b:x": ["sessions": ["s3": F.keyData(index: 0), "s4": F.keyData(index: 0)]],
                "!c:x": ["sessions": ["s5": F.keyData(index: 0)]],
            ]]
            let stored = try await server.client.put(F.keysPath + "?version=\(version)", body, token: token)
            #expect(stored.json["count"] == 5)

            let oneSession = try await server.client.request(
                "DELETE", F.keysPath + "/!a:x/s1?version=\(version)", token: token)
            #expect(oneSession.status == 200)
            #expect(oneSession.json["count"] == 4)
            #expect(oneSession.json["etag"] != stored.json["etag"])
            let oneRoom = try await server.client.request("DELETE", F.keysPath + "/!b:x?version=\(version)", token: token)
            #expect(oneRoom.json["count"] == 2)
            #expect(try await server.client.get(F.keysPath + "/!b:x?version=\(version)", token: token)
                .json == ["sessions": [:]])
            let everything = try await server.client.request("DELETE", F.keysPath + "?version=\(version)", token: token)
            #expect(everything.json["count"] == 0)
            #expect(try await server.client.get(F.keysPath + "?version=\(version)", token: token).json == ["rooms": [:]])

            // Deleting a version takes its keys: a new version starts empty and the old one is gone.
            _ = try await server.client.put(F.keysPath + "?version=\(version)", body, token: token)
            #expect(try await server.client.request("DELETE", F.versionPath + "/\(version)", token: token).status == 200)
            #expect(try await server.client.get(F.keysPath + "?version=\(version)", token: token).status == 404)
            #expect(try await server.client.request("DELETE", F.keysPath + "?version=\(version)", token: token)
                .status == 404)
            let next = try await F.create(server, alice)
            #expect(try await server.client.get(F.versionPath, token: token).json["count"] == 0)
            #expect(try await server.client.get(F.keysPath + "?version=\(next)", token: token).json == ["rooms": [:]])
        }
    }

    @Test func replacementRules() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let version = try await F.create(server, alice)
            let path = F.keysPath + "/!r:x/s?version=\(version)"
            func put(_ data: JSONValue) async throws -> TestResponse {
                try await server.client.put(path, data, token: token)
            }
            func stored() async throws -> JSONValue { try await server.client.get(path, token: token).json }

            _ = try await put(F.keyData(index: 5, forwarded: 2, verified: false, tag: "first"))
            // Unverified does not replace verified even with better indexes, and vice versa a verified one wins.
            _ = try await put(F.keyData(index: 9, forwarded: 9, verified: true, tag: "verified"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "verified")
            _ = try await put(F.keyData(index: 0, forwarded: 0, verified: false, tag: "unverified"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "verified")
            // Same is_verified: the lower first_message_index wins, whatever forwarded_count says.
            _ = try await put(F.keyData(index: 10, forwarded: 0, verified: true, tag: "higher"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "verified")
            _ = try await put(F.keyData(index: 4, forwarded: 20, verified: true, tag: "lower"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "lower")
            // Same is_verified and index: the lower forwarded_count wins; a tie keeps the existing key.
            _ = try await put(F.keyData(index: 4, forwarded: 21, verified: true, tag: "more forwarded"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "lower")
            _ = try await put(F.keyData(index: 4, forwarded: 3, verified: true, tag: "less forwarded"))
            #expect(try await stored() == F.keyData(index: 4, forwarded: 3, verified: true, tag: "less forwarded"))
            _ = try await put(F.keyData(index: 4, forwarded: 3, verified: true, tag: "tie"))
            #expect(try await stored()["session_data"]?["ciphertext"] == "less forwarded")
        }
    }

    @Test func etagAndCount() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let version = try await F.create(server, alice)
            let path = F.keysPath + "/!r:x?version=\(version)"
            let first = try await server.client.put(path, ["sessions": ["s1": F.keyData(index: 5)]], token: token)
            #expect(first.json["count"] == 1)
            #expect(first.json["etag"]?.stringValue != nil)
            // A key that loses changes nothing: same etag.
            let loser = try await server.client.put(path, ["sessions": ["s1": F.keyData(index: 6)]], token: token)
            #expect(loser.json == first.json)
            let better = try await server.client.put(path, ["sessions": ["s1": F.keyData(index: 1)]], token: token)
            #expect(better.json["count"] == 1)
            #expect(better.json["etag"] != first.json["etag"])
            let added = try await server.client.put(path, ["sessions": ["s2": F.keyData(index: 0)]], token: token)
            #expect(added.json["count"] == 2)
            #expect(added.json["etag"] != better.json["etag"])
            let info = try await server.client.get(F.versionPath, token: token)
            #expect(info.json["etag"] == added.json["etag"])
            #expect(info.json["count"] == 2)
        }
    }

    @Test func wrongAndMissingVersion() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let noBackup = try await server.client.put(F.keysPath + "/!r:x/s?version=1", F.keyData(index: 0), token: token)
            #expect(noBackup.status == 404)
            #expect(noBackup.errcode == "M_NOT_FOUND")

            let old = try await F.create(server, alice)
            _ = try await server.client.put(F.keysPath + "/!r:x/s?version=\(old)", F.keyData(index: 0), token: token)
            let current = try await F.create(server, alice)
            for version in [old, "99", "abc"] {
                let wrong = try await server.client.put(
                    F.keysPath + "/!r:x/s?version=\(version)", F.keyData(index: 0), token: token)
                #expect(wrong.status == 403, "\(version)")
                #expect(wrong.errcode == "M_WRONG_ROOM_KEYS_VERSION", "\(version)")
                #expect(wrong.json["current_version"] == .string(current), "\(version)")
            }
            // The old version can still be read.
            #expect(try await server.client.get(F.keysPath + "/!r:x/s?version=\(old)", token: token)
                .json == F.keyData(index: 0))

            for (method, path) in [("PUT", F.keysPath), ("GET", F.keysPath), ("DELETE", F.keysPath),
                                   ("PUT", F.keysPath + "/!r:x"), ("GET", F.keysPath + "/!r:x/s"),
                                   ("DELETE", F.keysPath + "/!r:x/s")] {
                let body: JSONValue? = method == "PUT" ? (path.hasSuffix("!r:x") ? ["sessions": [:]] : ["rooms": [:]])
                    : nil
                let missing = try await server.client.request(method, path, json: body, token: token)
                #expect(missing.status == 400, "\(method) \(path)")
                #expect(missing.errcode == "M_MISSING_PARAM", "\(method) \(path)")
            }
        }
    }

    @Test func badKeyBodies() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let token = alice.accessToken
            let version = try await F.create(server, alice)
            let session = F.keysPath + "/!r:x/s?version=\(version)"
            let room = F.keysPath + "/!r:x?version=\(version)"
            let whole = F.keysPath + "?version=\(version)"
            let cases: [(String, JSONValue, String)] = [
                (session, ["first_message_index": "0", "forwarded_count": 0, "is_verified": false,
                           "session_data": [:]], "M_BAD_JSON"),
                (session, ["first_message_index": 0, "forwarded_count": 0, "is_verified": "no",
                           "session_data": [:]], "M_BAD_JSON"),
                (session, ["first_message_index": 0, "forwarded_count": -1, "is_verified": false,
                           "session_data": [:]], "M_BAD_JSON"),
                (session, ["first_message_index": 0, "forwarded_count": 0, "is_verified": false,
                           "session_data": "opaque"], "M_BAD_JSON"),
                (session, ["first_message_index": 0, "forwarded_count": 0, "is_verified": false], "M_MISSING_PARAM"),
                (session, [1], "M_BAD_JSON"),
                (room, ["sessions": [1]], "M_BAD_JSON"),
                (room, ["sessions": ["s": "x"]], "M_BAD_JSON"),
                (room, [:], "M_MISSING_PARAM"),
                (whole, ["rooms": ["!r:x": ["sessions": ["s": [
                    "first_message_index": .double(0.5), "forwarded_count": 0, "is_verified": false,
                    "session_data": [:]]]]]], "M_BAD_JSON"),
                (whole, ["rooms": ["!r:x": []]], "M_BAD_JSON"),
                (whole, ["rooms": "all"], "M_BAD_JSON"),
            ]
            for (path, body, errcode) in cases {
                let response = try await server.client.put(path, body, token: token)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            // One bad session spoils the whole upload.
            let mixed = try await server.client.put(
                whole, ["rooms": ["!r:x": ["sessions": ["good": F.keyData(index: 0), "bad": ["is_verified": 1]]]]],
                token: token)
            #expect(mixed.status == 400)
            #expect(try await server.client.get(whole, token: token).json == ["rooms": [:]])
            let notJSON = try await server.client.request("PUT", whole, rawBody: Data("nope".utf8), token: token)
            #expect(notJSON.errcode == "M_NOT_JSON")
        }
    }

    @Test func otherUsersKeysAreInvisible() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let version = try await F.create(server, alice)
            _ = try await server.client.put(F.keysPath + "/!r:x/s?version=\(version)", F.keyData(index: 0),
                                            token: alice.accessToken)
            for path in [F.keysPath, F.keysPath + "/!r:x", F.keysPath + "/!r:x/s"] {
                let read = try await server.client.get(path + "?version=\(version)", token: bob.accessToken)
                #expect(read.status == 404, "\(path)")
                #expect(read.errcode == "M_NOT_FOUND", "\(path)")
                let delete = try await server.client.request("DELETE", path + "?version=\(version)",
                                                             token: bob.accessToken)
                #expect(delete.status == 404, "\(path)")
            }
            let write = try await server.client.put(F.keysPath + "/!r:x/s?version=\(version)",
                                                    F.keyData(index: 0, tag: "bob"), token: bob.accessToken)
            #expect(write.status == 404)
            // Bob's own backup with the same number is separate.
            #expect(try await F.create(server, bob) == version)
            #expect(try await server.client.get(F.keysPath + "?version=\(version)", token: bob.accessToken)
                .json == ["rooms": [:]])
            #expect(try await server.client.get(F.keysPath + "/!r:x/s?version=\(version)", token: alice.accessToken)
                .json == F.keyData(index: 0))
            #expect(try await server.client.get(F.keysPath + "/!r:x/s?version=\(version)").status == 401)
        }
    }
}
