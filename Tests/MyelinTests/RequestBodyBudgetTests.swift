import MatrixCore
@testable import MyelinHTTP
import Testing

@Suite struct RequestBodyBudgetTests {
    @Test func reservationsWithinTheCapacityPassAtOnce() async throws {
        let budget = RequestBodyBudget(capacity: 1000, maxWait: .milliseconds(50))
        try await budget.reserve(600)
        try await budget.reserve(400)
        #expect(await budget.reserved == 1000)
        await budget.release(1000)
        #expect(await budget.reserved == 0)
    }

    @Test func aReservationThatDoesNotFitWaitsForARelease() async throws {
        let budget = RequestBodyBudget(capacity: 1000, maxWait: .seconds(30))
        try await budget.reserve(800)
        let waiting = Task { try await budget.reserve(500) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await budget.reserved == 800)
        await budget.release(800)
        try await waiting.value
        #expect(await budget.reserved == 500)
    }

    @Test func aReservationThatNeverFitsIsRefusedWith503() async throws {
        let budget = RequestBodyBudget(capacity: 1000, maxWait: .milliseconds(50))
        try await budget.reserve(900)
        await #expect(throws: MatrixError.self) { try await budget.reserve(200) }
        do {
            try await budget.reserve(5000)
            Issue.record("a reservation larger than the whole budget passed")
        } catch {
            #expect(error.status == 503)
            #expect(error.errcode == "M_LIMIT_EXCEEDED")
            #expect(error.extra["retry_after_ms"] != nil)
        }
        // The refused reservations took nothing.
        #expect(await budget.reserved == 900)
    }
}

@Suite struct ConnectionLimiterTests {
    final class Token {}

    @Test func oneAddressIsCapped() async {
        let limiter = ConnectionLimiter(maxPerAddress: 2, maxUnauthenticated: 0)
        let tokens = (0..<3).map { _ in Token() }
        let first = limiter.admit(ObjectIdentifier(tokens[0]), address: "10.0.0.1")
        _ = limiter.admit(ObjectIdentifier(tokens[1]), address: "10.0.0.1")
        #expect(limiter.admit(ObjectIdentifier(tokens[2]), address: "10.0.0.1") == .tooManyFromAddress)
        #expect(limiter.admit(ObjectIdentifier(tokens[2]), address: "10.0.0.2") != .tooManyFromAddress)
        guard case .admitted(let generation) = first else { Issue.record("not admitted"); return }
        limiter.release(ObjectIdentifier(tokens[0]), generation: generation)
        #expect(limiter.admit(ObjectIdentifier(tokens[0]), address: "10.0.0.1") != .tooManyFromAddress)
    }

    @Test func authenticatedConnectionsLeaveTheUnauthenticatedCount() async {
        let limiter = ConnectionLimiter(maxPerAddress: 0, maxUnauthenticated: 1, exemptAddresses: ["127.0.0.9"])
        let a = Token(), b = Token(), c = Token()
        _ = limiter.admit(ObjectIdentifier(a), address: "10.0.0.1")
        #expect(limiter.admit(ObjectIdentifier(b), address: "10.0.0.2") == .tooManyUnauthenticated)
        // Exempt addresses are never refused.
        if case .tooManyUnauthenticated = limiter.admit(ObjectIdentifier(c), address: "127.0.0.9") {
            Issue.record("an exempt address was refused")
        }
        limiter.markAuthenticated(ObjectIdentifier(a))
        limiter.markAuthenticated(ObjectIdentifier(c))
        if case .tooManyUnauthenticated = limiter.admit(ObjectIdentifier(b), address: "10.0.0.2") {
            Issue.record("an authenticated connection still counted")
        }
    }

    @Test func aStaleReleaseDoesNotFreeANewConnection() async {
        let limiter = ConnectionLimiter(maxPerAddress: 1, maxUnauthenticated: 0)
        let a = Token()
        guard case .admitted(let old) = limiter.admit(ObjectIdentifier(a), address: "10.0.0.1") else { return }
        // The same identity admitted again (a reused object address) replaces the old entry.
        limiter.release(ObjectIdentifier(a), generation: old)
        guard case .admitted = limiter.admit(ObjectIdentifier(a), address: "10.0.0.1") else {
            Issue.record("not admitted after release")
            return
        }
        limiter.release(ObjectIdentifier(a), generation: old)
        #expect(limiter.counts.open == 1)
    }
}
