import MatrixCore
import MyelinFederation
import MyelinStorage
import Testing

@Suite struct KeyNotaryTests {
    let remote = FakeKeyServer("remote.example", seed: 3)
    let day: Int64 = 86_400_000

    func serve(_ routes: KeyRoutes, on harness: KeyHarness) async {
        await harness.transport.setHandler { request in try routes.handle(request) }
    }

    func entries(_ answer: JSONObject) -> [JSONObject] {
        (answer["server_keys"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test func fetchesMissingKeysAndCoSignsThem() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            let notary = harness.notary(harness.remoteKeys())
            let answer = try await notary.answer(try KeyQuery(serverName: remote.name, minimumValidUntilTs: nil))
            let list = entries(answer)
            #expect(list.count == 1)
            try JSONSigning.verify(list[0], signedBy: remote.name, with: remote.verifyKey)
            try JSONSigning.verify(list[0], signedBy: KeyHarness.ours.name, with: KeyHarness.ours.verifyKey)
            #expect(await harness.transport.count() == 1)
            // Fresh now: answered from the store.
            _ = try await notary.answer(KeyQuery(servers: [.init(name: remote.name, keys: [
                .init(keyId: "ed25519:k1", minimumValidUntilTs: now + 1_000),
            ])]))
            #expect(await harness.transport.count() == 1)
        }
    }

    @Test func refetchesWhenNotValidLongEnoughAndServesTheLastResponseWhenTheServerIsDown() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + 1_000)]), on: harness)
            let notary = harness.notary(harness.remoteKeys())
            let longer = KeyQuery(servers: [.init(name: remote.name, keys: [
                .init(keyId: "ed25519:k1", minimumValidUntilTs: now + 5_000),
            ])])
            _ = try await notary.answer(longer)  // first fetch (missing)
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            let refreshed = entries(try await notary.answer(longer))
            #expect(await harness.transport.count() == 2)
            #expect(refreshed.count == 1)
            #expect(refreshed.first?["valid_until_ts"]?.intValue == now + day)
            // Down, and asked for more than we hold: the last response is still served.
            await serve(KeyRoutes(), on: harness)
            let stale = entries(try await notary.answer(KeyQuery(servers: [.init(name: remote.name, keys: [
                .init(keyId: "ed25519:k1", minimumValidUntilTs: now + 2 * day),
            ])])))
            #expect(await harness.transport.count() == 3)
            #expect(stale.first?["valid_until_ts"]?.intValue == now + day)
        }
    }

    @Test func refetchesAfterHalfTheLifetimeWhenNoMinimumIsGiven() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            let notary = harness.notary(harness.remoteKeys())
            let all = try KeyQuery(serverName: remote.name, minimumValidUntilTs: nil)
            _ = try await notary.answer(all)
            harness.clock.advance(ms: day / 2 - 1)
            _ = try await notary.answer(all)
            #expect(await harness.transport.count() == 1)
            harness.clock.advance(ms: 2)
            _ = try await notary.answer(all)
            #expect(await harness.transport.count() == 2)
        }
    }

    @Test func answersForOurOwnNameWithOurDocument() async throws {
        try await withKeyHarness { harness async throws in
            let notary = harness.notary(harness.remoteKeys())
            let list = entries(try await notary.answer(try KeyQuery(serverName: KeyHarness.ours.name, minimumValidUntilTs: nil)))
            #expect(list.count == 1)
            #expect(list.first?["server_name"] == .string(KeyHarness.ours.name))
            try JSONSigning.verify(list[0], signedBy: KeyHarness.ours.name, with: KeyHarness.ours.verifyKey)
            #expect(await harness.transport.count() == 0)
        }
    }

    @Test func unreachableUnknownServersAreLeftOutAndFetchesAreBounded() async throws {
        try await withKeyHarness { harness async throws in
            let notary = harness.notary(harness.remoteKeys())
            let query = KeyQuery(servers: (0..<30).map { KeyQuery.Server(name: "dead\($0).example", keys: []) })
            let answer = try await notary.answer(query)
            #expect(entries(answer).isEmpty)
            #expect(await harness.transport.count() == KeyNotary.maxFetchesPerQuery)
        }
    }

    @Test func parsesQueriesAndRefusesBadOnes() throws {
        let query = try KeyQuery(body: [
            "server_keys": [
                "b.example": [:],
                "a.example:8448": ["ed25519:x": ["minimum_valid_until_ts": 5], "ed25519:y": [:]],
            ],
        ])
        #expect(query.servers == [
            .init(name: "a.example:8448", keys: [.init(keyId: "ed25519:x", minimumValidUntilTs: 5),
                                                .init(keyId: "ed25519:y", minimumValidUntilTs: nil)]),
            .init(name: "b.example", keys: []),
        ])
        #expect(try KeyQuery(body: ["server_keys": [:]]).servers.isEmpty)

        func errcode(_ body: JSONObject) -> String? {
            do { _ = try KeyQuery(body: body); return nil } catch { return error.errcode }
        }
        #expect(errcode([:]) == "M_MISSING_PARAM")
        #expect(errcode(["server_keys": []]) == "M_BAD_JSON")
        #expect(errcode(["server_keys": ["a.example": "x"]]) == "M_BAD_JSON")
        #expect(errcode(["server_keys": ["a.example": ["ed25519:x": 1]]]) == "M_BAD_JSON")
        #expect(errcode(["server_keys": ["a.example": ["ed25519:x": ["minimum_valid_until_ts": "1"]]]]) == "M_BAD_JSON")
        #expect(errcode(["server_keys": ["not a server!": [:]]]) == "M_INVALID_PARAM")
        let many = JSONObject(uniqueKeysWithValues: (0...KeyQuery.maxServers).map { ("s\($0).example", JSONValue.object([:])) })
        #expect(errcode(["server_keys": .object(many)]) == "M_TOO_LARGE")
        #expect(throws: MatrixError.self) { _ = try KeyQuery(serverName: "bad name", minimumValidUntilTs: nil) }
    }
}
