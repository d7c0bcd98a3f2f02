import MyelinStorage
import Testing

@Suite struct ServerKeyStoreTests {
    func response(_ marker: Int64, fetched: Int64) -> StoredKeyResponse {
        StoredKeyResponse(serverName: "s.example", source: "s.example", fetchedTs: fetched, validUntilTs: marker,
                          json: Array("{\"m\":\(marker)}".utf8))
    }

    func key(_ id: String, _ validity: ServerKeyValidity, fetched: Int64) -> StoredServerKey {
        StoredServerKey(serverName: "s.example", keyId: id, publicKey: Array(repeating: 1, count: 32),
                        validity: validity, fetchedTs: fetched)
    }

    @Test func newestInformationWinsAndUnreferencedResponsesGo() async throws {
        try await withKeyHarness { harness async throws in
            let store = harness.store
            try await store.save(response(1, fetched: 10), keys: [key("ed25519:a", .current(validUntilTs: 1), fetched: 10)])
            try await store.save(response(2, fetched: 20), keys: [key("ed25519:b", .current(validUntilTs: 2), fetched: 20)])
            // Both responses are still referenced.
            #expect(try await store.responses(server: "s.example").map(\.validUntilTs) == [2, 1])
            #expect(try await store.responses(server: "s.example", keyIds: ["ed25519:a"]).map(\.validUntilTs) == [1])
            #expect(try await store.responses(server: "s.example", keyIds: []).isEmpty)
            // A newer response retires a and lists b again: the first response is no longer needed.
            try await store.save(response(3, fetched: 30), keys: [
                key("ed25519:b", .current(validUntilTs: 3), fetched: 30),
                key("ed25519:a", .old(expiredTs: 25), fetched: 30),
            ])
            #expect(try await store.responses(server: "s.example").map(\.validUntilTs) == [3])
            #expect(try await store.key(server: "s.example", keyId: "ed25519:a")?.validity == .old(expiredTs: 25))
            #expect(try await store.keys(server: "s.example").map(\.keyId) == ["ed25519:a", "ed25519:b"])
            #expect(try await store.key(server: "other.example", keyId: "ed25519:a") == nil)
        }
    }
}
