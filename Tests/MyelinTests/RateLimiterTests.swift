import MatrixCore
import MyelinE2EE
import MyelinHTTP
import Testing

/// The token bucket alone, without HTTP: costs above one, debt, separate keys and actions. Refill rates
/// are tiny so nothing depends on time passing.
@Suite struct RateLimiterTests {
    static func limiter(toDevice burst: Double) -> RateLimiter {
        var settings = RateLimitSettings()
        settings.toDevice = .init(perSecond: 0.0001, burst: burst)
        settings.accountData = .init(perSecond: 0.0001, burst: 1)
        return RateLimiter(settings: settings)
    }

    @Test func aCostTakesThatManyTokens() async throws {
        let limiter = Self.limiter(toDevice: 10)
        try await limiter.consume(.toDevice, key: "@a:x", cost: 7)
        try await limiter.consume(.toDevice, key: "@a:x", cost: 3)
        await #expect(throws: MatrixError.self) { try await limiter.consume(.toDevice, key: "@a:x", cost: 1) }
        // Another key, and another action, have their own buckets.
        try await limiter.consume(.toDevice, key: "@b:x", cost: 10)
        try await limiter.consume(.accountData, key: "@a:x")
    }

    @Test func aRefusalSaysHowLongToWaitAndTakesNothing() async throws {
        let limiter = Self.limiter(toDevice: 10)
        try await limiter.consume(.toDevice, key: "@a:x", cost: 8)
        do {
            try await limiter.consume(.toDevice, key: "@a:x", cost: 5)
            Issue.record("a cost over the tokens left passed")
        } catch {
            #expect(error.errcode == "M_LIMIT_EXCEEDED")
            #expect(error.status == 429)
            // Three tokens short at 0.0001/s: 30,000 s.
            let wait = error.extra["retry_after_ms"]?.intValue ?? 0
            #expect(wait >= 29_000_000 && wait <= 31_000_000)
        }
        // The refused request took nothing: the two tokens left are still there.
        try await limiter.consume(.toDevice, key: "@a:x", cost: 2)
    }

    @Test func aCostAboveTheBurstPassesOnlyOnAFullBucketAndLeavesDebt() async throws {
        let limiter = Self.limiter(toDevice: 5)
        try await limiter.consume(.toDevice, key: "@a:x", cost: 1)
        // Not full: a request bigger than the whole bucket waits for it to fill.
        await #expect(throws: MatrixError.self) { try await limiter.consume(.toDevice, key: "@a:x", cost: 50) }
        let fresh = Self.limiter(toDevice: 5)
        try await fresh.consume(.toDevice, key: "@a:x", cost: 50)
        await #expect(throws: MatrixError.self) { try await fresh.consume(.toDevice, key: "@a:x", cost: 1) }
    }

    @Test func exemptionsAndTheSwitchSkipTheCharge() async throws {
        var settings = RateLimitSettings(exemptUsers: ["@bot:x"], exemptAddresses: ["10.0.0.1"])
        settings.toDevice = .init(perSecond: 0.0001, burst: 1)
        let limiter = RateLimiter(settings: settings)
        for _ in 0..<3 {
            try await limiter.consume(.toDevice, user: "@bot:x", address: "127.0.0.1", cost: 5)
            try await limiter.consume(.toDevice, user: nil, address: "10.0.0.1", cost: 5)
        }
        try await limiter.consume(.toDevice, user: "@a:x", address: "10.0.0.2", cost: 1)
        await #expect(throws: MatrixError.self) {
            try await limiter.consume(.toDevice, user: "@a:x", address: "10.0.0.2", cost: 1)
        }
        var off = settings
        off.enabled = false
        let disabled = RateLimiter(settings: off)
        for _ in 0..<3 { try await disabled.consume(.toDevice, user: "@a:x", address: nil, cost: 100) }
    }

    @Test func toDeviceRequestsAreCountedPerNamedDevice() {
        #expect(ToDeviceService.messageCount([
            "messages": ["@a:x": ["D1": [:], "D2": [:]], "@b:x": ["*": [:]]],
        ]) == 3)
        // Shapes `send` refuses still cost one request.
        #expect(ToDeviceService.messageCount([:]) == 1)
        #expect(ToDeviceService.messageCount(["messages": "no"]) == 1)
        #expect(ToDeviceService.messageCount(["messages": [:]]) == 1)
        #expect(ToDeviceService.messageCount(["messages": ["@a:x": "no", "@b:x": ["D": [:]]]]) == 1)
    }
}
