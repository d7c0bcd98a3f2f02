import Foundation
import MatrixCore
import Testing

/// Email addresses and phone numbers: Myelin sends neither email nor SMS, so accounts have none, tokens
/// are refused for every medium and changes are refused, as `m.3pid_changes` says.
@Suite struct ThirdPartyIdentifierTests {
    static let emailRequest: JSONValue = ["client_secret": "secret", "email": "alice@example.org", "send_attempt": 1]
    static let phoneRequest: JSONValue = ["client_secret": "secret", "country": "GB", "phone_number": "07700900001",
                                          "send_attempt": 1]

    @Test func accountsHaveNoneAndCannotAddAny() async throws {
        try await withServer { server in
            #expect(try await server.client.get("/_matrix/client/v3/account/3pid").status == 401)
            let alice = try await server.register("alice")
            let list = try await server.client.get("/_matrix/client/v3/account/3pid", token: alice.accessToken)
            #expect(list.status == 200)
            #expect(list.json["threepids"] == .array([]))
            for path in ["account/3pid", "account/3pid/add", "account/3pid/bind", "account/3pid/delete"] {
                let response = try await server.client.post(
                    "/_matrix/client/v3/\(path)", ["sid": "1", "client_secret": "secret", "medium": "email",
                                                   "address": "alice@example.org"], token: alice.accessToken)
                #expect(response.status == 403, "\(path)")
                #expect(response.errcode == "M_FORBIDDEN", "\(path)")
            }
            let unbind = try await server.client.post("/_matrix/client/v3/account/3pid/unbind",
                                                      ["medium": "email", "address": "alice@example.org"],
                                                      token: alice.accessToken)
            #expect(unbind.status == 200)
            #expect(unbind.json["id_server_unbind_result"]?.stringValue == "no-support")
            let badUnbind = try await server.client.post("/_matrix/client/v3/account/3pid/unbind", [:],
                                                         token: alice.accessToken)
            #expect(badUnbind.status == 400)
        }
    }

    @Test func validationTokensAreRefusedForEveryMedium() async throws {
        try await withServer { server in
            for flow in ["register", "account/password", "account/3pid"] {
                for (medium, body) in [("email", Self.emailRequest), ("msisdn", Self.phoneRequest)] {
                    let path = "/_matrix/client/v3/\(flow)/\(medium)/requestToken"
                    let response = try await server.client.post(path, body)
                    #expect(response.status == 400, "\(path)")
                    #expect(response.errcode == "M_THREEPID_MEDIUM_NOT_SUPPORTED", "\(path)")
                }
            }
            let notJSON = try await server.client.request("POST", "/_matrix/client/v3/register/email/requestToken",
                                                          rawBody: Data("nope".utf8))
            #expect(notJSON.errcode == "M_NOT_JSON")
        }
    }
}
