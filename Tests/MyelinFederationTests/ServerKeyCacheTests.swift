@testable import MyelinFederation
import MyelinStorage
import Testing

@Suite struct ServerKeyCacheTests {
    func key(_ server: String, _ id: String = "ed25519:a") -> StoredServerKey {
        StoredServerKey(serverName: server, keyId: id, publicKey: Array(repeating: 2, count: 32),
                        validity: .current(validUntilTs: 1), fetchedTs: 0)
    }

    @Test func staysWithinItsBytesAndDropsTheLeastRecentlyUsed() {
        var cache = ServerKeyCache(capacityBytes: 4_000)
        cache.put(key("keep.example"))
        for index in 0..<200 {
            cache.put(key("s\(index).example"))
            _ = cache.get(server: "keep.example", keyId: "ed25519:a")
            #expect(cache.usedBytes <= 4_000)
        }
        #expect(cache.get(server: "keep.example", keyId: "ed25519:a") != nil)
        #expect(cache.get(server: "s0.example", keyId: "ed25519:a") == nil)
        #expect(cache.get(server: "s199.example", keyId: "ed25519:a") != nil)
        // Replacing an entry does not count it twice.
        let before = cache.usedBytes
        cache.put(key("s199.example"))
        #expect(cache.usedBytes == before)
    }

    @Test func failureMemoryForgetsExpiredAndStaysBounded() {
        var memory = FailureMemory(capacity: 8)
        for index in 0..<100 { memory.remember("s\(index)", untilMs: 1_000 + Int64(index), nowMs: 0) }
        #expect(memory.count <= 8)
        #expect(memory.failing("s99", nowMs: 500) == 1_099)
        #expect(memory.failing("s99", nowMs: 1_099) == nil)
        #expect(memory.failing("s0", nowMs: 0) == nil)
    }
}
