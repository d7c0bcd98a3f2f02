import Foundation
import MatrixCore
import Testing

/// `GET /voip/turnServer` from the `[voip]` section: nothing to offer by default, time-limited credentials
/// from a shared secret (checked against the TURN REST API's HMAC-SHA1 computed independently), or fixed
/// ones, and none for guests when they are left out.
@Suite struct VoIPTests {
    static let uris = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]

    @Test func noTURNServersByDefault() async throws {
        try await withServer { server in
            #expect(try await server.client.get("/_matrix/client/v3/voip/turnServer").status == 401)
            let alice = try await server.register("alice")
            let response = try await server.client.get("/_matrix/client/v3/voip/turnServer", token: alice.accessToken)
            #expect(response.status == 200)
            #expect(response.json == .object([:]))
        }
    }

    @Test func aSharedSecretGivesTimeLimitedCredentials() async throws {
        try await withServer({ config in
            config.voipTurnURIs = Self.uris
            config.voipTurnSharedSecret = "a shared secret"
            config.voipTurnUserLifetimeS = 86_400
        }) { server in
            let alice = try await server.register("alice")
            let response = try await server.client.get("/_matrix/client/v3/voip/turnServer", token: alice.accessToken)
            #expect(response.status == 200)
            // The test clock reads 1_800_000_000 s; the username carries the expiry a day later.
            #expect(response.json["username"]?.stringValue == "1800086400:@alice:localhost")
            // base64(HMAC-SHA1("a shared secret", username)), padded, from Python's hmac module.
            #expect(response.json["password"]?.stringValue == "z/uQhXCp1wlDnWbAiZePKG1X4uI=")
            #expect(response.json["uris"]?.arrayValue?.compactMap(\.stringValue) == Self.uris)
            #expect(response.json["ttl"]?.intValue == 86_400)
            // Under r0 too.
            let r0 = try await server.client.get("/_matrix/client/r0/voip/turnServer", token: alice.accessToken)
            #expect(r0.json == response.json)
        }
    }

    @Test func fixedCredentialsAndGuestsLeftOut() async throws {
        try await withServer({ config in
            config.allowGuests = true
            config.voipTurnURIs = Self.uris
            config.voipTurnUsername = "turnuser"
            config.voipTurnPassword = "turnpass"
            config.voipTurnAllowGuests = false
        }) { server in
            let alice = try await server.register("alice")
            let response = try await server.client.get("/_matrix/client/v3/voip/turnServer", token: alice.accessToken)
            #expect(response.json["username"]?.stringValue == "turnuser")
            #expect(response.json["password"]?.stringValue == "turnpass")
            let guest = try await server.client.post("/_matrix/client/v3/register?kind=guest", [:])
            let guestToken = try #require(guest.json["access_token"]?.stringValue)
            let forGuest = try await server.client.get("/_matrix/client/v3/voip/turnServer", token: guestToken)
            #expect(forGuest.status == 200)
            #expect(forGuest.json == .object([:]))
        }
    }
}
