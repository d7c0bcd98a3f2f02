import Foundation
import MatrixCore
import MyelinAccounts
import Testing

@Suite struct AdminTests {
    static let secret = "a shared secret for tests"

    func mac(nonce: String, user: String, password: String, admin: Bool) -> String {
        var message = Array(nonce.utf8) + [0] + Array(user.utf8) + [0] + Array(password.utf8) + [0]
        message += Array((admin ? "admin" : "notadmin").utf8)
        return Crypto.hex(Crypto.hmacSHA1(key: Array(Self.secret.utf8), message: message))
    }

    @Test func hmacSHA1MatchesRFC2202() {
        // RFC 2202 test case 2.
        let digest = Crypto.hmacSHA1(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Crypto.hex(digest) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func sharedSecretRegistration() async throws {
        try await withServer({ $0.registrationSharedSecret = Self.secret; $0.registrationMode = .closed }) { server in
            let nonce = try #require(try await server.client.get("/_synapse/admin/v1/register").json["nonce"]?.stringValue)
            let ok = try await server.client.post("/_synapse/admin/v1/register", [
                "nonce": .string(nonce), "username": "root", "password": .string(TestServer.password), "admin": true,
                "mac": .string(mac(nonce: nonce, user: "root", password: TestServer.password, admin: true)),
            ])
            #expect(ok.status == 200)
            #expect(ok.json["user_id"]?.stringValue == "@root:\(server.serverName)")
            let token = try #require(ok.json["access_token"]?.stringValue)
            let tokens = try await server.client.get("/_synapse/admin/v1/registration_tokens", token: token)
            #expect(tokens.status == 200)

            // A nonce is single use.
            let replay = try await server.client.post("/_synapse/admin/v1/register", [
                "nonce": .string(nonce), "username": "root2", "password": .string(TestServer.password), "admin": false,
                "mac": .string(mac(nonce: nonce, user: "root2", password: TestServer.password, admin: false)),
            ])
            #expect(replay.status == 400)

            let nonce2 = try #require(try await server.client.get("/_synapse/admin/v1/register").json["nonce"]?.stringValue)
            let forged = try await server.client.post("/_synapse/admin/v1/register", [
                "nonce": .string(nonce2), "username": "mallory", "password": .string(TestServer.password), "admin": true,
                "mac": .string(mac(nonce: nonce2, user: "mallory", password: TestServer.password, admin: false)),
            ])
            #expect(forged.status == 403)
            #expect(forged.errcode == "M_FORBIDDEN")
            #expect(try await server.login("mallory").status == 403)

            let malformed = try await server.client.post("/_synapse/admin/v1/register", ["nonce": 5])
            #expect(malformed.errcode == "M_BAD_JSON")
        }
    }

    @Test func sharedSecretRegistrationOffByDefault() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_synapse/admin/v1/register")
            #expect(response.status == 400)
            #expect(response.errcode != nil)
        }
    }

    @Test func registrationTokenAdminAPI() async throws {
        try await withServer({ $0.registrationMode = .token }) { server in
            let registration = server.running.homeserver.services.registration
            _ = try await registration.createAccount(localpart: "root", password: TestServer.password, isAdmin: true)
            let admin = try #require(try await server.login("root").json["access_token"]?.stringValue)
            _ = try await registration.createAccount(localpart: "pleb", password: TestServer.password, isAdmin: false)
            let pleb = try #require(try await server.login("pleb").json["access_token"]?.stringValue)

            let forbidden = try await server.client.get("/_synapse/admin/v1/registration_tokens", token: pleb)
            #expect(forbidden.status == 403)
            #expect(forbidden.errcode == "M_FORBIDDEN")

            let generated = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["length": 20, "uses_allowed": 2], token: admin)
            #expect(generated.status == 200)
            let generatedToken = try #require(generated.json["token"]?.stringValue)
            #expect(generatedToken.count == 20)
            #expect(generated.json["uses_allowed"]?.intValue == 2)
            #expect(generated.json["pending"]?.intValue == 0)
            #expect(generated.json["expiry_time"]?.isNull == true)

            let named = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["token": "family-2026"], token: admin)
            #expect(named.json["token"]?.stringValue == "family-2026")
            #expect(named.json["uses_allowed"]?.isNull == true)
            let duplicate = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["token": "family-2026"], token: admin)
            #expect(duplicate.status == 400)
            let badChars = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["token": "no spaces"], token: admin)
            #expect(badChars.errcode == "M_INVALID_PARAM")
            let past = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["expiry_time": 1000], token: admin)
            #expect(past.errcode == "M_INVALID_PARAM")
            let negative = try await server.client.post(
                "/_synapse/admin/v1/registration_tokens/new", ["uses_allowed": -1], token: admin)
            #expect(negative.errcode == "M_INVALID_PARAM")

            let list = try await server.client.get("/_synapse/admin/v1/registration_tokens", token: admin)
            #expect(list.json["registration_tokens"]?.arrayValue?.count == 2)

            let updated = try await server.client.put(
                "/_synapse/admin/v1/registration_tokens/family-2026", ["uses_allowed": 0], token: admin)
            #expect(updated.json["uses_allowed"]?.intValue == 0)
            let invalidOnly = try await server.client.get("/_synapse/admin/v1/registration_tokens?valid=false",
                                                          token: admin)
            #expect(invalidOnly.json["registration_tokens"]?.arrayValue?.compactMap { $0["token"]?.stringValue }
                    == ["family-2026"])
            let cleared = try await server.client.put(
                "/_synapse/admin/v1/registration_tokens/family-2026", ["uses_allowed": nil], token: admin)
            #expect(cleared.json["uses_allowed"]?.isNull == true)

            let get = try await server.client.get("/_synapse/admin/v1/registration_tokens/\(generatedToken)", token: admin)
            #expect(get.json["token"]?.stringValue == generatedToken)
            let delete = try await server.client.request(
                "DELETE", "/_synapse/admin/v1/registration_tokens/\(generatedToken)", token: admin)
            #expect(delete.status == 200)
            let gone = try await server.client.get("/_synapse/admin/v1/registration_tokens/\(generatedToken)", token: admin)
            #expect(gone.status == 404)
            #expect(gone.errcode == "M_NOT_FOUND")

            // The token made through the admin API works for registration.
            let register = try await server.client.post("/_matrix/client/v3/register", [
                "username": "cousin", "password": .string(TestServer.password),
                "auth": ["type": "m.login.registration_token", "token": "family-2026"],
            ])
            #expect(register.status == 200)
        }
    }
}
