import Foundation
import MatrixCore
import Testing

@Suite struct RateLimitTests {
    @Test func loginIsLimitedPerAddress() async throws {
        try await withServer({ config in
            config.rateLimitEnabled = true
            config.loginBurst = 3
            config.loginPerSecond = 0.01
        }) { server in
            _ = try await server.register("alice")
            for _ in 0..<3 { #expect(try await server.login("alice").status == 200) }
            let limited = try await server.login("alice")
            #expect(limited.status == 429)
            #expect(limited.errcode == "M_LIMIT_EXCEEDED")
            let retry = try #require(limited.json["retry_after_ms"]?.intValue)
            #expect(retry > 0)
            #expect(limited.header("Retry-After").flatMap(Int.init) == Int((retry + 999) / 1000))
        }
    }

    @Test func failedPasswordsAreLimitedPerAccount() async throws {
        try await withServer({ config in
            config.rateLimitEnabled = true
            config.loginBurst = 100
            config.registrationBurst = 100
            config.failedLoginBurst = 2
            config.failedLoginPerSecond = 0.01
        }) { server in
            _ = try await server.register("alice")
            _ = try await server.register("bob")
            #expect(try await server.login("alice", password: "wrong one").status == 403)
            #expect(try await server.login("alice", password: "wrong two").status == 403)
            let limited = try await server.login("alice")
            #expect(limited.status == 429)
            // Another account is not affected.
            #expect(try await server.login("bob").status == 200)
        }
    }

    @Test func registrationIsLimitedAndExemptionsApply() async throws {
        try await withServer({ config in
            config.rateLimitEnabled = true
            config.registrationBurst = 2
            config.registrationPerSecond = 0.01
        }) { server in
            _ = try await server.client.post("/_matrix/client/v3/register", [:])
            _ = try await server.client.post("/_matrix/client/v3/register", [:])
            let limited = try await server.client.post("/_matrix/client/v3/register", [:])
            #expect(limited.status == 429)
            #expect(limited.errcode == "M_LIMIT_EXCEEDED")
        }
        try await withServer({ config in
            config.rateLimitEnabled = true
            config.registrationBurst = 1
            config.registrationPerSecond = 0.01
            config.rateLimitExemptAddresses = ["127.0.0.1"]
        }) { server async throws in
            for _ in 0..<4 {
                #expect(try await server.client.post("/_matrix/client/v3/register", [:]).status == 401)
            }
        }
    }
}
