import MatrixCore
import MyelinFederation
import MyelinStorage
import Testing

@Suite struct RemoteServerKeysTests {
    let remote = FakeKeyServer("remote.example", seed: 3)
    let notary = FakeKeyServer("notary.example", seed: 4, version: "n1")
    let day: Int64 = 86_400_000

    func serve(_ routes: KeyRoutes, on harness: KeyHarness) async {
        await harness.transport.setHandler { request in try routes.handle(request) }
    }

    @Test func fetchesDirectlyAndStoresTheResponse() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            let keys = harness.remoteKeys()
            let key = try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now)
            #expect(key == remote.verifyKey)
            let requests = await harness.transport.requests
            #expect(requests.count == 1)
            #expect(requests.first?.path == "/_matrix/key/v2/server")
            #expect(requests.first?.method == .GET)
            #expect(requests.first?.signed == false)
            #expect(requests.first?.timeoutSeconds == 10)
            #expect(requests.first?.maxResponseBytes == RemoteServerKeys.Limits().maxResponseBytes)
            let stored = try await harness.store.key(server: remote.name, keyId: "ed25519:k1")
            #expect(stored?.validity == .current(validUntilTs: now + day))
            #expect(stored?.fetchedTs == now)
            let responses = try await harness.store.responses(server: remote.name)
            #expect(responses.count == 1)
            #expect(responses.first?.source == remote.name)
            guard case .object(let json)? = try? JSONParser.parse(responses[0].json) else {
                Issue.record("stored response is not JSON")
                return
            }
            try JSONSigning.verify(json, signedBy: remote.name, with: remote.verifyKey)
        }
    }

    @Test func cacheAndDatabaseHitsMakeNoRequest() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            let keys = harness.remoteKeys()
            _ = try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 1) != nil)
            #expect(await harness.transport.count() == 1)
            // A new instance has an empty cache: the database answers.
            let restarted = harness.remoteKeys()
            #expect(try await restarted.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == remote.verifyKey)
            #expect(await harness.transport.count() == 1)
        }
    }

    @Test func ourOwnKeysAreAnsweredLocally() async throws {
        try await withKeyHarness { harness async throws in
            let keys = harness.remoteKeys()
            let key = try await keys.verifyKey(server: KeyHarness.ours.name, keyId: "ed25519:ours", validAtMs: .max)
            #expect(key == KeyHarness.ours.verifyKey)
            #expect(try await keys.verifyKey(server: KeyHarness.ours.name, keyId: "ed25519:other", validAtMs: 0) == nil)
            #expect(await harness.transport.count() == 0)
        }
    }

    @Test func fallsBackToATrustedNotaryWhenTheServerIsDown() async throws {
        try await withKeyHarness(trusted: [notary.name]) { harness async throws in
            let now = harness.clock.read()
            let relayed = sign(remote.document(validUntil: now + day), by: notary)
            await serve(KeyRoutes(documents: [notary.name: notary.document(validUntil: now + day)],
                                  notaryAnswers: [notary.name: [relayed]]), on: harness)
            let keys = harness.remoteKeys()
            let key = try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 5)
            #expect(key == remote.verifyKey)
            let requests = await harness.transport.requests
            #expect(requests.map { "\($0.method.rawValue) \($0.destination)\($0.path)" } == [
                "GET remote.example/_matrix/key/v2/server",
                "POST notary.example/_matrix/key/v2/query",
                "GET notary.example/_matrix/key/v2/server",
            ])
            let query = requests[1]
            #expect(query.signed == false)
            #expect(query.body?["server_keys"]?[remote.name]?["ed25519:k1"]?["minimum_valid_until_ts"]?.intValue == now + 5)
            let stored = try await harness.store.responses(server: remote.name)
            #expect(stored.first?.source == notary.name)
            // The notary's own key was learnt from the notary itself.
            #expect(try await harness.store.key(server: notary.name, keyId: "ed25519:n1") != nil)
        }
    }

    @Test func refusesAResponseForAnotherServer() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            let wrong = sign(remote.unsignedDocument(validUntil: now + day, serverName: "evil.example"), by: remote)
            await serve(KeyRoutes(documents: [remote.name: wrong]), on: harness)
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == nil)
            #expect(try await harness.store.keys(server: remote.name).isEmpty)
            #expect(try await harness.store.keys(server: "evil.example").isEmpty)
        }
    }

    @Test func refusesMissingOrBadSelfSignatures() async throws {
        let now: Int64 = TestClock().read()
        let other = FakeKeyServer(remote.name, seed: 8, version: "k1")
        let renamed = FakeKeyServer(remote.name, seed: 3, version: "zz")
        var tampered = remote.document(validUntil: now + day)
        tampered["valid_until_ts"] = .int(now + 100 * day)
        let second = try SigningKey(version: "k2", seed: Array(repeating: 5, count: 32))
        var oneBad = remote.document(validUntil: now + day, extraVerifyKeys: [second])
        // k2 signed something else: its signature does not match this document.
        let elsewhere = try JSONSigning.sign(["x": 1], as: try ServerName(parsing: remote.name), with: second)
        if case .object(var signatures)? = oneBad["signatures"], case .object(var mine)? = signatures[remote.name] {
            mine["ed25519:k2"] = elsewhere["signatures"]?[remote.name]?["ed25519:k2"]
            signatures[remote.name] = .object(mine)
            oneBad["signatures"] = .object(signatures)
        }
        let cases: [(String, JSONObject)] = [
            ("unsigned", remote.unsignedDocument(validUntil: now + day)),
            // The right key pair, but under a key ID the response does not list.
            ("signed under an unlisted key ID", sign(remote.unsignedDocument(validUntil: now + day), by: renamed)),
            ("signed by another key under the listed ID", sign(remote.unsignedDocument(validUntil: now + day), by: other)),
            ("tampered after signing", tampered),
            ("one of two signatures bad", oneBad),
        ]
        for (name, document) in cases {
            try await withKeyHarness { harness async throws in
                await serve(KeyRoutes(documents: [remote.name: document]), on: harness)
                let key = try await harness.remoteKeys().verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now)
                #expect(key == nil, "\(name)")
                #expect(try await harness.store.keys(server: remote.name).isEmpty, "\(name)")
            }
        }
    }

    @Test func acceptsAResponseSignedByOneOfItsListedKeys() async throws {
        // Synapse needs one good signature by a listed key; so do we.
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            let second = try SigningKey(version: "k2", seed: Array(repeating: 5, count: 32))
            var document = remote.unsignedDocument(validUntil: now + day, extraVerifyKeys: [second])
            document = sign(document, by: remote)
            await serve(KeyRoutes(documents: [remote.name: document]), on: harness)
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k2", validAtMs: now) == VerifyKey(second))
        }
    }

    @Test func refusesNotaryAnswersNotSignedByTheNotary() async throws {
        let now: Int64 = TestClock().read()
        let impostor = FakeKeyServer(notary.name, seed: 6, version: "n1")
        let cases: [(String, JSONObject)] = [
            ("no notary signature", remote.document(validUntil: now + day)),
            ("signed by another key under the notary's key ID", sign(remote.document(validUntil: now + day), by: impostor)),
        ]
        for (name, entry) in cases {
            try await withKeyHarness(trusted: [notary.name]) { harness async throws in
                await serve(KeyRoutes(documents: [notary.name: notary.document(validUntil: now + day)],
                                      notaryAnswers: [notary.name: [entry]]), on: harness)
                let key = try await harness.remoteKeys().verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now)
                #expect(key == nil, "\(name)")
                #expect(try await harness.store.keys(server: remote.name).isEmpty, "\(name)")
            }
        }
    }

    @Test func notaryEntriesForOtherServersOrWithoutSelfSignatureAreIgnored() async throws {
        try await withKeyHarness(trusted: [notary.name]) { harness async throws in
            let now = harness.clock.read()
            let stranger = FakeKeyServer("stranger.example", seed: 7)
            let entries = [
                sign(stranger.document(validUntil: now + day), by: notary),
                sign(remote.unsignedDocument(validUntil: now + day), by: notary),
            ]
            await serve(KeyRoutes(documents: [notary.name: notary.document(validUntil: now + day)],
                                  notaryAnswers: [notary.name: entries]), on: harness)
            #expect(try await harness.remoteKeys().verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == nil)
            #expect(try await harness.store.keys(server: stranger.name).isEmpty)
        }
    }

    @Test func expiredKeysAreRefusedForLateEventsButServeEarlyOnes() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + 1_000)]), on: harness)
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 1_000) != nil)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now - day) != nil)
            #expect(await harness.transport.count() == 1)
            // Too late for what we hold: asked again, and the server still says the same.
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 1_001) == nil)
            #expect(await harness.transport.count() == 2)
            // Room versions 1 to 4 ask with 0: any known key serves.
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: 0) != nil)
            #expect(await harness.transport.count() == 2)
        }
    }

    @Test func aKeyTooShortLivedIsFetchedAgain() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + 1_000)]), on: harness)
            let keys = harness.remoteKeys()
            _ = try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now)
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 5_000) != nil)
            #expect(await harness.transport.count() == 2)
            #expect(try await harness.store.key(server: remote.name, keyId: "ed25519:k1")?.validity
                == .current(validUntilTs: now + day))
        }
    }

    @Test func validityIsCappedAtSevenDaysAfterFetching() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + 30 * day)]), on: harness)
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 7 * day) != nil)
            #expect(try await harness.store.key(server: remote.name, keyId: "ed25519:k1")?.validity
                == .current(validUntilTs: now + 7 * day))
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now + 8 * day) == nil)
            #expect(await harness.transport.count() == 2)
        }
    }

    @Test func oldVerifyKeysServeUntilTheirExpiry() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            let retired = try SigningKey(version: "k0", seed: Array(repeating: 11, count: 32))
            let document = remote.document(validUntil: now + day, oldKeys: [(retired, now - 1_000)])
            await serve(KeyRoutes(documents: [remote.name: document]), on: harness)
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k0", validAtMs: now - 1_001) == VerifyKey(retired))
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k0", validAtMs: now - 1_000) == nil)
            // Expiry is final: nothing is fetched again for it.
            #expect(await harness.transport.count() == 1)
            #expect(try await harness.store.key(server: remote.name, keyId: "ed25519:k0")?.validity
                == .old(expiredTs: now - 1_000))
        }
    }

    @Test func concurrentLookupsShareOneFetch() async throws {
        try await withKeyHarness { harness async throws in
            let now = harness.clock.read()
            let latch = Latch()
            let routes = KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)])
            await harness.transport.setHandler { request in
                await latch.wait()
                return try routes.handle(request)
            }
            let keys = harness.remoteKeys()
            let remote = self.remote
            let results = try await withThrowingTaskGroup(of: VerifyKey?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) }
                }
                // Hold the first fetch until every lookup had its chance to start one.
                while await harness.transport.count() == 0 { await Task.yield() }
                try await Task.sleep(for: .milliseconds(100))
                await latch.open()
                var results: [VerifyKey?] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results.count == 8)
            #expect(results.allSatisfy { $0 == remote.verifyKey })
            #expect(await harness.transport.count() == 1)
        }
    }

    @Test func aFailingServerIsNotAskedAgainAtOnce() async throws {
        try await withKeyHarness(trusted: [notary.name]) { harness async throws in
            let now = harness.clock.read()
            // Neither the server nor the notary answers.
            let keys = harness.remoteKeys()
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == nil)
            let first = await harness.transport.count()
            #expect(first == 2)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == nil)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k2", validAtMs: now) == nil)
            #expect(await harness.transport.count() == first)
            // After the cooldown it is tried again, and now it answers.
            harness.clock.advance(ms: RemoteServerKeys.Limits().failureCooldownMs + 1)
            await serve(KeyRoutes(documents: [remote.name: remote.document(validUntil: now + day)]), on: harness)
            #expect(try await keys.verifyKey(server: remote.name, keyId: "ed25519:k1", validAtMs: now) == remote.verifyKey)
            #expect(await harness.transport.count() == first + 1)
        }
    }

    @Test func failureMemoryIsBounded() async throws {
        try await withKeyHarness { harness async throws in
            var limits = RemoteServerKeys.Limits()
            limits.maxRememberedFailures = 4
            let keys = harness.remoteKeys(limits: limits)
            for index in 0..<10 {
                #expect(try await keys.verifyKey(server: "dead\(index).example", keyId: "ed25519:a", validAtMs: 0) == nil)
            }
            #expect(await harness.transport.count() == 10)
            // The latest failures are still remembered.
            #expect(try await keys.verifyKey(server: "dead9.example", keyId: "ed25519:a", validAtMs: 0) == nil)
            #expect(await harness.transport.count() == 10)
        }
    }
}
