import Foundation
import MatrixCore
@testable import MyelinHTTP
import Testing

/// Nothing a client sends may produce a 500: each bad input gets its Matrix error.
@Suite struct BadInputTests {
    @Test func nonJSONBodyIsNotJSON() async throws {
        try await withServer { server in
            let response = try await server.client.request(
                "POST", "/_matrix/client/v3/login", rawBody: Data("type=m.login.password".utf8))
            #expect(response.status == 400)
            #expect(response.errcode == "M_NOT_JSON")
            let empty = try await server.client.request("POST", "/_matrix/client/v3/login", rawBody: Data())
            #expect(empty.status == 400)
            #expect(empty.errcode == "M_NOT_JSON")
            let truncated = try await server.client.request(
                "POST", "/_matrix/client/v3/login", rawBody: Data("{\"type\": \"m.lo".utf8))
            #expect(truncated.errcode == "M_NOT_JSON")
        }
    }

    @Test func jsonThatIsNotAnObjectIsBadJSON() async throws {
        try await withServer { server in
            for body in ["[1,2]", "\"text\"", "42", "null"] {
                let response = try await server.client.request(
                    "POST", "/_matrix/client/v3/login", rawBody: Data(body.utf8))
                #expect(response.status == 400)
                #expect(response.errcode == "M_BAD_JSON", "body \(body)")
            }
        }
    }

    @Test func wrongFieldTypesAreBadJSONNamingTheField() async throws {
        try await withServer { server in
            let response = try await server.client.post(
                "/_matrix/client/v3/login", ["type": "m.login.password", "identifier": ["type": "m.id.user", "user": 5],
                                             "password": "x"])
            #expect(response.status == 400)
            #expect(response.errcode == "M_BAD_JSON")
            let password = try await server.client.post(
                "/_matrix/client/v3/register", ["username": "bob", "password": ["not", "a", "string"]])
            #expect(password.status == 400)
            #expect(password.errcode == "M_BAD_JSON")
            #expect(password.json["error"]?.stringValue?.contains("password") == true)
        }
    }

    @Test func duplicateKeysAndLoneSurrogatesAreBadJSON() async throws {
        try await withServer { server in
            let duplicate = try await server.client.request(
                "POST", "/_matrix/client/v3/login", rawBody: Data(#"{"type":"a","type":"b"}"#.utf8))
            #expect(duplicate.errcode == "M_BAD_JSON")
            let surrogate = try await server.client.request(
                "POST", "/_matrix/client/v3/login", rawBody: Data(#"{"type":"\ud800"}"#.utf8))
            #expect(surrogate.errcode == "M_BAD_JSON")
        }
    }

    @Test func deeplyNestedJSONIsRefusedWithoutCrashing() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let body = "{\"a\":" + deep + "}"
            let response = try await server.client.request(
                "PUT", "/_matrix/client/v3/user/\(alice.userId)/account_data/m.test", rawBody: Data(body.utf8),
                token: alice.accessToken)
            #expect(response.status == 400)
            #expect(response.errcode == "M_BAD_JSON")
            // The server is still alive and the account untouched.
            let whoami = try await server.client.get("/_matrix/client/v3/account/whoami", token: alice.accessToken)
            #expect(whoami.status == 200)
        }
    }

    @Test func oversizedBodyIsTooLarge() async throws {
        try await withServer({ $0.maxBodyBytes = 4096 }) { server in
            let alice = try await server.register("alice")
            let big = "{\"x\":\"" + String(repeating: "a", count: 10_000) + "\"}"
            let response = try await server.client.request(
                "PUT", "/_matrix/client/v3/user/\(alice.userId)/account_data/m.big", rawBody: Data(big.utf8),
                token: alice.accessToken)
            #expect(response.status == 413)
            #expect(response.errcode == "M_TOO_LARGE")
            let get = try await server.client.get(
                "/_matrix/client/v3/user/\(alice.userId)/account_data/m.big", token: alice.accessToken)
            #expect(get.status == 404)
        }
    }

    @Test func missingAndUnknownTokens() async throws {
        try await withServer { server in
            let missing = try await server.client.get("/_matrix/client/v3/account/whoami")
            #expect(missing.status == 401)
            #expect(missing.errcode == "M_MISSING_TOKEN")
            let unknown = try await server.client.get("/_matrix/client/v3/account/whoami", token: "myl_a_nonsense")
            #expect(unknown.status == 401)
            #expect(unknown.errcode == "M_UNKNOWN_TOKEN")
            #expect(unknown.json["soft_logout"]?.boolValue == false)
            let basic = try await server.client.request(
                "GET", "/_matrix/client/v3/account/whoami", headers: ["Authorization": "Basic YWxpY2U6cGFzcw=="])
            #expect(basic.errcode == "M_MISSING_TOKEN")
        }
    }

    @Test func deprecatedAccessTokenQueryParameterWorks() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let response = try await server.client.get(
                "/_matrix/client/v3/account/whoami?access_token=\(alice.accessToken)")
            #expect(response.status == 200)
            #expect(response.json["user_id"]?.stringValue == alice.userId)
        }
    }

    @Test func percentEncodedPathParametersAreDecoded() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let encoded = "%40alice%3A" + server.serverName
            let put = try await server.client.put(
                "/_matrix/client/v3/user/\(encoded)/account_data/m.x%2Fy", ["v": 1], token: alice.accessToken)
            #expect(put.status == 200)
            let get = try await server.client.get(
                "/_matrix/client/v3/user/\(alice.userId)/account_data/m.x%2Fy", token: alice.accessToken)
            #expect(get.json["v"]?.intValue == 1)
        }
    }

    @Test func malformedPercentEncodingIsRefusedByTheRouter() {
        #expect(RouteTable.segments(ofRawPath: "/a/%E0%A4%A") == nil)
        #expect(RouteTable.segments(ofRawPath: "/a/%zz") == nil)
        #expect(RouteTable.segments(ofRawPath: "/a/%FF") == nil)
        #expect(RouteTable.segments(ofRawPath: "/a/%40b%3Ac/d%2Fe") == ["a", "@b:c", "d/e"])
    }

    @Test func garbageBytesNeverProduce500() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            var generator = SystemRandomNumberGenerator()
            let paths = ["/_matrix/client/v3/login", "/_matrix/client/v3/register", "/_matrix/client/v3/refresh",
                         "/_matrix/client/v3/user/\(alice.userId)/account_data/m.x", "/_matrix/client/v3/delete_devices",
                         "/_matrix/client/v3/account/password", "/_synapse/admin/v1/register"]
            for round in 0..<60 {
                let length = Int.random(in: 0..<200, using: &generator)
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if round % 3 == 0 { bytes = Array("{\"auth\":".utf8) + bytes }
                let path = paths[round % paths.count]
                let method = path.contains("account_data") ? "PUT" : "POST"
                let response = try await server.client.request(method, path, rawBody: Data(bytes),
                                                               token: alice.accessToken)
                #expect(response.status < 500, "\(method) \(path) answered \(response.status)")
                #expect(response.errcode != nil || response.status == 200 || response.status == 401)
            }
        }
    }
}
