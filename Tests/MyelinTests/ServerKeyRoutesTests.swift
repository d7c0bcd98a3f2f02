import Foundation
import MatrixCore
import MyelinFederation
import MyelinServer
import MyelinStorage
import Testing

@Suite struct ServerKeyRoutesTests {
    func federation(_ server: TestServer) throws -> ServerKeyServices {
        try #require(server.running.homeserver.services.federation?.keys)
    }

    func entries(_ response: TestResponse) -> [JSONObject] {
        (response.json["server_keys"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test func publishesOurSignedKeys() async throws {
        try await withServer { server in
            let signingKey = try federation(server).localKeys.signingKey
            for path in ["/_matrix/key/v2/server", "/_matrix/key/v2/server/\(signingKey.keyId)"] {
                let response = try await server.client.get(path)
                #expect(response.status == 200)
                guard case .object(let document) = response.json else {
                    Issue.record("\(path): not an object")
                    continue
                }
                #expect(document["server_name"]?.stringValue == server.serverName)
                #expect(document["valid_until_ts"]?.intValue == server.clock.read() + 86_400_000)
                #expect(document["verify_keys"]?[signingKey.keyId]?["key"]?.stringValue == signingKey.publicKeyBase64)
                #expect(document["old_verify_keys"]?.objectValue?.isEmpty == true)
                try JSONSigning.verify(document, signedBy: server.serverName, with: VerifyKey(signingKey))
            }
        }
    }

    @Test func listsOldKeysFromTheSettings() async throws {
        let retired = try SigningKey(version: "old", seed: Array(repeating: 4, count: 32))
        var settings = FederationSettings()
        settings.oldVerifyKeys = [OldVerifyKey(keyId: retired.keyId, publicKeyBase64: retired.publicKeyBase64, expiredTs: 77)]
        let server = try await TestServer.start(federation: settings)
        let response = try? await server.client.get("/_matrix/key/v2/server")
        try await server.stop()
        #expect(response?.json["old_verify_keys"]?[retired.keyId]?["expired_ts"]?.intValue == 77)
        #expect(response?.json["old_verify_keys"]?[retired.keyId]?["key"]?.stringValue == retired.publicKeyBase64)
    }

    @Test func reportsTheVersion() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_matrix/federation/v1/version")
            #expect(response.status == 200)
            #expect(response.json["server"]?["name"]?.stringValue == "Myelin")
            #expect(response.json["server"]?["version"]?.stringValue == MyelinVersion.string)
        }
    }

    @Test func notaryAnswersForItselfAndLeavesOutUnreachableServers() async throws {
        try await withServer { server in
            let signingKey = try federation(server).localKeys.signingKey
            let own = try await server.client.get("/_matrix/key/v2/query/\(server.serverName)")
            #expect(own.status == 200)
            let list = entries(own)
            #expect(list.count == 1)
            if let document = list.first {
                try JSONSigning.verify(document, signedBy: server.serverName, with: VerifyKey(signingKey))
            }
            // No transport: nothing known, nothing reachable.
            let unknown = try await server.client.post("/_matrix/key/v2/query", [
                "server_keys": ["elsewhere.example": ["ed25519:a": ["minimum_valid_until_ts": 1]]],
            ])
            #expect(unknown.status == 200)
            #expect(unknown.json["server_keys"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func badInputIsA4xxNeverA500() async throws {
        try await withServer { server in
            let notJSON = try await server.client.request("POST", "/_matrix/key/v2/query", rawBody: Data("nope".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.errcode == "M_NOT_JSON")
            let cases: [(JSONValue, String)] = [
                ([:], "M_MISSING_PARAM"),
                (["server_keys": []], "M_BAD_JSON"),
                (["server_keys": ["a.example": 1]], "M_BAD_JSON"),
                (["server_keys": ["a.example": ["ed25519:x": ["minimum_valid_until_ts": "soon"]]]], "M_BAD_JSON"),
                (["server_keys": ["bad name!": [:]]], "M_INVALID_PARAM"),
                ([1, 2], "M_BAD_JSON"),
            ]
            for (body, errcode) in cases {
                let response = try await server.client.post("/_matrix/key/v2/query", body)
                #expect(response.status == 400, "\(body)")
                #expect(response.errcode == errcode, "\(body)")
            }
            let many = JSONObject(uniqueKeysWithValues: (0...KeyQuery.maxServers).map { ("s\($0).example", JSONValue.object([:])) })
            let tooMany = try await server.client.post("/_matrix/key/v2/query", ["server_keys": .object(many)])
            #expect(tooMany.status == 413)
            #expect(tooMany.errcode == "M_TOO_LARGE")
            let badName = try await server.client.get("/_matrix/key/v2/query/bad%20name")
            #expect(badName.status == 400)
            #expect(badName.errcode == "M_INVALID_PARAM")
            let badMinimum = try await server.client.get("/_matrix/key/v2/query/a.example?minimum_valid_until_ts=soon")
            #expect(badMinimum.status == 400)
            #expect(badMinimum.errcode == "M_INVALID_PARAM")
        }
    }

    @Test func federationOffHidesTheRoutes() async throws {
        var settings = FederationSettings()
        settings.enabled = false
        let server = try await TestServer.start(federation: settings)
        let keys = try? await server.client.get("/_matrix/key/v2/server")
        let version = try? await server.client.get("/_matrix/federation/v1/version")
        try await server.stop()
        #expect(keys?.status == 404)
        #expect(keys?.errcode == "M_UNRECOGNIZED")
        #expect(version?.status == 404)
    }

    /// Three servers over real HTTP: a reaches b, b reaches c, a does not reach c. a fetches b's keys
    /// directly, serves them as a notary, and finds c's keys through b (its trusted notary).
    @Test func serversFetchAndNotariseEachOthersKeys() async throws {
        let seenByA = LoopbackDirectory()
        let seenByB = LoopbackDirectory()
        let transportA = try LoopbackFederationTransport(directory: seenByA)
        let transportB = try LoopbackFederationTransport(directory: seenByB)
        var settingsA = FederationSettings()
        settingsA.trustedKeyServers = ["b.test"]
        var settingsB = FederationSettings()
        settingsB.trustedKeyServers = []
        let a = try await TestServer.start(federation: settingsA, federationTransport: transportA) { $0.serverName = "a.test" }
        let b = try await TestServer.start(federation: settingsB, federationTransport: transportB) { $0.serverName = "b.test" }
        let c = try await TestServer.start(federation: settingsB) { $0.serverName = "c.test" }
        seenByA.register("b.test", port: b.running.port)
        seenByB.register("a.test", port: a.running.port)
        seenByB.register("c.test", port: c.running.port)
        do {
            let keyA = try federation(a).localKeys.signingKey
            let keyB = try federation(b).localKeys.signingKey
            let keyC = try federation(c).localKeys.signingKey

            // Directly.
            let found = try await federation(a).remoteKeys.verifyKey(server: "b.test", keyId: keyB.keyId,
                                                                     validAtMs: a.clock.read())
            #expect(found == VerifyKey(keyB))

            // a as a notary for b: b's own signature and a's.
            let viaA = try await a.client.get("/_matrix/key/v2/query/b.test")
            #expect(viaA.status == 200)
            let listA = entries(viaA)
            #expect(listA.count == 1)
            if let entry = listA.first {
                try JSONSigning.verify(entry, signedBy: "b.test", with: VerifyKey(keyB))
                try JSONSigning.verify(entry, signedBy: "a.test", with: VerifyKey(keyA))
            }
            let posted = try await a.client.post("/_matrix/key/v2/query", [
                "server_keys": ["b.test": .object([keyB.keyId: ["minimum_valid_until_ts": .int(a.clock.read())]])],
            ])
            #expect(entries(posted).count == 1)

            // c is out of a's reach: b, a's trusted notary, fetches it and vouches for it.
            let throughB = try await federation(a).remoteKeys.verifyKey(server: "c.test", keyId: keyC.keyId,
                                                                        validAtMs: a.clock.read())
            #expect(throughB == VerifyKey(keyC))
            let stored = try await ServerKeyStoreProbe.responses(a, server: "c.test")
            #expect(stored.map(\.source) == ["b.test"])
        } catch {
            for server in [a, b, c] { try? await server.stop() }
            await transportA.client.shutdown()
            await transportB.client.shutdown()
            throw error
        }
        for server in [a, b, c] { try await server.stop() }
        await transportA.client.shutdown()
        await transportB.client.shutdown()
    }
}

/// Reads a test server's stored key responses.
enum ServerKeyStoreProbe {
    static func responses(_ server: TestServer, server name: String) async throws -> [StoredKeyResponse] {
        try await ServerKeyStore(database: server.running.homeserver.database).responses(server: name)
    }
}
