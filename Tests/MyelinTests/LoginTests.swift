import Foundation
import MatrixCore
import Testing

@Suite struct LoginTests {
    @Test func loginFlowsAdvertised() async throws {
        try await withServer { server in
            let response = try await server.client.get("/_matrix/client/v3/login")
            let types = response.json["flows"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            #expect(types.contains("m.login.password"))
            #expect(types.contains("m.login.token"))
        }
    }

    @Test func passwordLoginWithIdentifierOrDeprecatedUser() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let byLocalpart = try await server.login("alice", extra: ["initial_device_display_name": "Laptop"])
            #expect(byLocalpart.status == 200)
            #expect(byLocalpart.json["user_id"]?.stringValue == alice.userId)
            let token = try #require(byLocalpart.json["access_token"]?.stringValue)
            let device = try #require(byLocalpart.json["device_id"]?.stringValue)
            #expect(device != alice.deviceId)
            let info = try await server.client.get("/_matrix/client/v3/devices/\(device)", token: token)
            #expect(info.json["display_name"]?.stringValue == "Laptop")

            let byFullId = try await server.login(alice.userId)
            #expect(byFullId.status == 200)
            let deprecated = try await server.client.post("/_matrix/client/v3/login", [
                "type": "m.login.password", "user": "ALICE", "password": .string(TestServer.password),
            ])
            #expect(deprecated.status == 200)
            // Two users, separate sessions.
            let bob = try await server.register("bob")
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: bob.accessToken)
            #expect(whoami.json["user_id"]?.stringValue == bob.userId)
            #expect(whoami.json["device_id"]?.stringValue == bob.deviceId)
            #expect(whoami.json["is_guest"]?.boolValue == false)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            _ = try await server.register("alice")
            let wrong = try await server.login("alice", password: "wrong password")
            #expect(wrong.status == 403)
            #expect(wrong.errcode == "M_FORBIDDEN")
            let nobody = try await server.login("nobody")
            #expect(nobody.status == 403)
            #expect(nobody.errcode == "M_FORBIDDEN")
            let otherServer = try await server.login("@alice:elsewhere.example")
            #expect(otherServer.status == 403)
            let unknownType = try await server.client.post("/_matrix/client/v3/login", ["type": "m.login.magic"])
            #expect(unknownType.status == 400)
            #expect(unknownType.errcode == "M_UNKNOWN")
            let thirdParty = try await server.client.post("/_matrix/client/v3/login", [
                "type": "m.login.password", "password": "x",
                "identifier": ["type": "m.id.thirdparty", "medium": "email", "address": "a@b.c"],
            ])
            #expect(thirdParty.status == 400)
            let noUser = try await server.client.post(
                "/_matrix/client/v3/login", ["type": "m.login.password", "password": "x"])
            #expect(noUser.status == 400)
            #expect(noUser.errcode == "M_MISSING_PARAM")
            let noType = try await server.client.post("/_matrix/client/v3/login", ["user": "alice"])
            #expect(noType.errcode == "M_MISSING_PARAM")
        }
    }

    @Test func reusingADeviceIdReplacesItsTokens() async throws {
        try await withServer { server in
            _ = try await server.register("alice")
            let first = try await server.login("alice", extra: ["device_id": "KEEPME"])
            let firstToken = try #require(first.json["access_token"]?.stringValue)
            let second = try await server.login("alice", extra: ["device_id": "KEEPME"])
            #expect(second.json["device_id"]?.stringValue == "KEEPME")
            let secondToken = try #require(second.json["access_token"]?.stringValue)
            let old = try await server.client.get("/_matrix/client/v3/account/whoami", token: firstToken)
            #expect(old.status == 401)
            #expect(old.errcode == "M_UNKNOWN_TOKEN")
            let new = try await server.client.get("/_matrix/client/v3/account/whoami", token: secondToken)
            #expect(new.json["device_id"]?.stringValue == "KEEPME")
            let devices = try await server.client.get("/_matrix/client/v3/devices", token: secondToken)
            let ids = devices.json["devices"]?.arrayValue?.compactMap { $0["device_id"]?.stringValue } ?? []
            #expect(ids.filter { $0 == "KEEPME" }.count == 1)
        }
    }

    @Test func logoutAndLogoutAll() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let phone = try #require(try await server.login("alice").json["access_token"]?.stringValue)
            let tablet = try #require(try await server.login("alice").json["access_token"]?.stringValue)
            let bob = try await server.register("bob")

            let logout = try await server.client.post("/_matrix/client/v3/logout", token: phone)
            #expect(logout.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: phone).status == 401)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: tablet).status == 200)
            let devices = try await server.client.get("/_matrix/client/v3/devices", token: tablet)
            #expect(devices.json["devices"]?.arrayValue?.count == 2)

            let all = try await server.client.post("/_matrix/client/v3/logout/all", token: tablet)
            #expect(all.status == 200)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: tablet).status == 401)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status == 401)
            // Other users are untouched.
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: bob.accessToken).status == 200)
            // The password still works.
            #expect(try await server.login("alice").status == 200)
        }
    }

    @Test func refreshTokensExpireAndRotate() async throws {
        try await withServer { server in
            _ = try await server.register("alice")
            let login = try await server.login("alice", extra: ["refresh_token": true])
            let access = try #require(login.json["access_token"]?.stringValue)
            let refresh = try #require(login.json["refresh_token"]?.stringValue)
            #expect(login.json["expires_in_ms"]?.intValue == 300_000)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: access).status == 200)

            server.clock.advance(ms: 301_000)
            let expired = try await server.client.get("/_matrix/client/v3/account/whoami", token: access)
            #expect(expired.status == 401)
            #expect(expired.errcode == "M_UNKNOWN_TOKEN")
            #expect(expired.json["soft_logout"]?.boolValue == true)

            let refreshed = try await server.client.post("/_matrix/client/v3/refresh", ["refresh_token": .string(refresh)])
            #expect(refreshed.status == 200)
            let access2 = try #require(refreshed.json["access_token"]?.stringValue)
            let refresh2 = try #require(refreshed.json["refresh_token"]?.stringValue)
            #expect(refreshed.json["expires_in_ms"]?.intValue == 300_000)

            // Until the new tokens are used, the old refresh token may be retried.
            let retry = try await server.client.post("/_matrix/client/v3/refresh", ["refresh_token": .string(refresh)])
            #expect(retry.status == 200)
            let access3 = try #require(retry.json["access_token"]?.stringValue)
            // The retry replaced the unused answer of the first attempt.
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: access2).status == 401)
            _ = refresh2
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: access3)
            #expect(whoami.status == 200)
            #expect(whoami.json["device_id"] == login.json["device_id"])
            // Using the new access token retires the old refresh token.
            let stale = try await server.client.post("/_matrix/client/v3/refresh", ["refresh_token": .string(refresh)])
            #expect(stale.status == 401)
            #expect(stale.errcode == "M_UNKNOWN_TOKEN")
            #expect(stale.json["soft_logout"]?.boolValue == false)

            let bogus = try await server.client.post("/_matrix/client/v3/refresh", ["refresh_token": "nope"])
            #expect(bogus.status == 401)
            let missing = try await server.client.post("/_matrix/client/v3/refresh", [:])
            #expect(missing.errcode == "M_MISSING_PARAM")
        }
    }

    @Test func tokensWithoutRefreshDoNotExpire() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            server.clock.advance(ms: 400 * 86_400_000)
            #expect(try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken).status == 200)
        }
    }

    @Test func loginTokenIsSingleUseAndNeedsUIA() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let challenge = try await server.client.post("/_matrix/client/v1/login/get_token", token: alice.accessToken)
            #expect(challenge.status == 401)
            let session = try #require(challenge.json["session"]?.stringValue)
            #expect(challenge.json["flows"]?.arrayValue?.first?["stages"] == ["m.login.password"])

            let wrong = try await server.client.post("/_matrix/client/v1/login/get_token", [
                "auth": ["type": "m.login.password", "session": .string(session), "password": "bad password",
                         "identifier": ["type": "m.id.user", "user": "alice"]],
            ], token: alice.accessToken)
            #expect(wrong.status == 401)
            #expect(wrong.errcode == "M_FORBIDDEN")

            let granted = try await server.client.post("/_matrix/client/v1/login/get_token", [
                "auth": ["type": "m.login.password", "session": .string(session), "password": .string(TestServer.password),
                         "identifier": ["type": "m.id.user", "user": "alice"]],
            ], token: alice.accessToken)
            #expect(granted.status == 200)
            let loginToken = try #require(granted.json["login_token"]?.stringValue)
            #expect(granted.json["expires_in_ms"]?.intValue == 120_000)

            let login = try await server.client.post("/_matrix/client/v3/login", ["type": "m.login.token", "token": .string(loginToken)])
            #expect(login.status == 200)
            #expect(login.json["user_id"]?.stringValue == alice.userId)
            let again = try await server.client.post("/_matrix/client/v3/login", ["type": "m.login.token", "token": .string(loginToken)])
            #expect(again.status == 403)
            #expect(again.errcode == "M_FORBIDDEN")
        }
    }

    @Test func expiredLoginTokenIsRefused() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let granted = try await server.client.post("/_matrix/client/v1/login/get_token", [
                "auth": ["type": "m.login.password", "password": .string(TestServer.password), "user": "alice"],
            ], token: alice.accessToken)
            let loginToken = try #require(granted.json["login_token"]?.stringValue)
            server.clock.advance(ms: 121_000)
            let login = try await server.client.post("/_matrix/client/v3/login", ["type": "m.login.token", "token": .string(loginToken)])
            #expect(login.status == 403)
        }
    }

    @Test func passwordStageMustNameTheLoggedInUser() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            _ = try await server.register("bob")
            let response = try await server.client.post("/_matrix/client/v1/login/get_token", [
                "auth": ["type": "m.login.password", "password": .string(TestServer.password),
                         "identifier": ["type": "m.id.user", "user": "bob"]],
            ], token: alice.accessToken)
            #expect(response.status == 401)
            #expect(response.errcode == "M_FORBIDDEN")
        }
    }
}
