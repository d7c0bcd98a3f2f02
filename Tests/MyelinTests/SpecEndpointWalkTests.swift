import Foundation
import MatrixCore
import Testing

/// Walks every client-server endpoint the spec names (its OpenAPI files, read at test time) and every
/// endpoint of r0.6.1 under `r0`, and the v3 and v1 ones again under `unstable`, with real IDs in the
/// placeholders: none may answer as an unknown endpoint (404 or 405 `M_UNRECOGNIZED`). A 404 `M_NOT_FOUND`
/// for a resource that does not exist, a 400 for the empty body the walk sends, a 401 for user-interactive
/// authentication or a 403 are all answers of an endpoint that is served.
@Suite struct SpecEndpointWalkTests {
    /// Endpoints deliberately not served, by reason (README, "Client-server spec versions"). Keep it short:
    /// a small missing endpoint is implemented, not listed.
    static let notServedByReason: [(reason: String, endpoints: [String])] = [
        ("the spec's answer without the OAuth 2.0 API is 404 M_UNRECOGNIZED (DiscoveryTests)",
         ["GET /_matrix/client/*/auth_metadata"]),
        ("push module, user-defined rules: they need storage, evaluation per user and m.push_rules updates in /sync",
         ["PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}", "DELETE /_matrix/client/*/pushrules/global/{kind}/{ruleId}",
          "PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/enabled",
          "PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/actions"]),
        ("push module, pushers: nothing sends to push gateways yet (GET /pushers lists none)",
         ["POST /_matrix/client/*/pushers/set"]),
        ("push module, notification history: only unread notifications are kept, for the counts",
         ["GET /_matrix/client/*/notifications"]),
        ("server-side search module: needs a full-text index", ["POST /_matrix/client/*/search"]),
        ("server administration, spec v1.18: suspension and locking would have to be enforced on every write",
         ["GET /_matrix/client/*/admin/suspend/{userId}", "PUT /_matrix/client/*/admin/suspend/{userId}",
          "GET /_matrix/client/*/admin/lock/{userId}", "PUT /_matrix/client/*/admin/lock/{userId}"]),
        ("no SSO identity providers: GET /login offers m.login.password and m.login.token only",
         ["GET /_matrix/client/*/login/sso/redirect", "GET /_matrix/client/*/login/sso/redirect/{idpId}"]),
        ("a policy server's document, not a homeserver's", ["GET /.well-known/matrix/policy_server"]),
    ]

    static let notServed: [String: String] = Dictionary(uniqueKeysWithValues: notServedByReason.flatMap { group in
        group.endpoints.map { ($0, group.reason) }
    })

    @Test func everySpecEndpointIsServed() async throws {
        let spec = try SpecEndpoints.load()
        // The parser must have found the API, not an empty or moved folder.
        #expect(spec.count > 150)
        #expect(spec.contains(SpecEndpoint(method: "GET", path: "/_matrix/client/v3/sync")))
        #expect(spec.contains(SpecEndpoint(method: "GET", path: "/_matrix/client/v1/rooms/{roomId}/hierarchy")))
        #expect(spec.contains(SpecEndpoint(method: "GET", path: "/.well-known/matrix/client")))
        let unstable = spec.compactMap { endpoint -> SpecEndpoint? in
            for version in ["/_matrix/client/v3/", "/_matrix/client/v1/"] where endpoint.path.hasPrefix(version) {
                return SpecEndpoint(method: endpoint.method,
                                    path: "/_matrix/client/unstable/" + endpoint.path.dropFirst(version.count))
            }
            return nil
        }
        try await walk(spec + R0Endpoints.all + unstable)
    }

    func walk(_ endpoints: [SpecEndpoint]) async throws {
        // URL previews are off by default (they fetch other hosts); the walk serves them.
        try await withServer({ $0.mediaURLPreviewEnabled = true }) { server in
            let fixture = try await WalkFixture.make(server)
            var unknown: [String] = []
            var failing: [String] = []
            var servedAfterAll: [String] = []
            // Logging out ends the walker's session: those go last, with sessions of their own.
            let ordered = endpoints.filter { !$0.path.contains("/logout") } + endpoints.filter { $0.path.contains("/logout") }
            for endpoint in ordered {
                // The legacy event stream long-polls 30 s by default: the walk asks for an answer at once.
                let path = try fixture.fill(endpoint.path) + (endpoint.path.hasSuffix("/events") ? "?timeout=0" : "")
                let token = endpoint.path.contains("/logout") ? try await fixture.throwawayToken() : fixture.alice.accessToken
                let body: JSONValue? = endpoint.method == "POST" || endpoint.method == "PUT" ? .object([:]) : nil
                let response = try await server.client.request(endpoint.method, path, json: body, token: token)
                let isUnknown = response.errcode == "M_UNRECOGNIZED" && (response.status == 404 || response.status == 405)
                if response.status >= 500 { failing.append("\(endpoint.method) \(path): \(response.status) \(response.json)") }
                let template = Self.template(endpoint)
                switch (isUnknown, Self.notServed[template] != nil) {
                case (true, false): unknown.append("\(endpoint.method) \(path): \(response.status) \(response.json)")
                case (false, true): servedAfterAll.append(template)
                default: break
                }
            }
            #expect(unknown.isEmpty, "answered as unknown endpoints:\n\(unknown.joined(separator: "\n"))")
            #expect(failing.isEmpty, "failed on the walk's requests:\n\(failing.joined(separator: "\n"))")
            #expect(servedAfterAll.isEmpty, "served, so take them off notServed: \(servedAfterAll)")
            let stale = Set(Self.notServed.keys).subtracting(endpoints.map(Self.template))
            #expect(stale.isEmpty, "notServed names endpoints the spec does not: \(stale.sorted())")
        }
    }

    /// The allow-list's key: the method and the path as the spec writes it, under any version prefix (r0's
    /// push rule scope, which can only be `global`, written as v3 writes it).
    static func template(_ endpoint: SpecEndpoint) -> String {
        var path = endpoint.path.replacingOccurrences(of: "/pushrules/{scope}/", with: "/pushrules/global/")
        for version in ["r0", "v1", "v3", "unstable"] {
            path = path.replacingOccurrences(of: "/_matrix/client/\(version)/", with: "/_matrix/client/*/")
        }
        return "\(endpoint.method) \(path)"
    }
}

/// What the walk puts in the placeholders: a room alice created (with an alias and a message), her
/// device, a filter, an upload, and the spec's own names where any value will do.
struct WalkFixture {
    let server: TestServer
    let alice: TestServer.User
    let values: [String: String]

    static func make(_ server: TestServer) async throws -> WalkFixture {
        let alice = try await server.register("alice")
        let bob = try await server.register("bob")
        let roomId = try await server.createRoom(alice, ["preset": "public_chat"])
        let eventId = try await server.sendOK(alice, roomId)
        let alias = "#walk:\(server.serverName)"
        _ = try await server.client.put("/_matrix/client/v3/directory/room/\(TestServer.segment(alias))",
                                        ["room_id": .string(roomId)], token: alice.accessToken)
        let filter = try await server.client.post("/_matrix/client/v3/user/\(TestServer.segment(alice.userId))/filter",
                                                  ["room": ["timeline": ["limit": 5]]], token: alice.accessToken)
        let mediaId = try await server.uploadedMediaId(Array("walk".utf8), contentType: "text/plain",
                                                       token: alice.accessToken)
        let values: [String: String] = [
            "roomId": roomId, "roomIdOrAlias": roomId, "roomAlias": alias, "eventId": eventId,
            "userId": bob.userId, "deviceId": alice.deviceId, "filterId": filter.json["filter_id"]?.stringValue ?? "0",
            "serverName": server.serverName, "mediaId": mediaId, "fileName": "walk.txt",
            "eventType": "m.room.topic", "stateKey": "walk", "txnId": UUID().uuidString, "type": "org.example.walk",
            "tag": "u.walk", "keyName": "displayname", "scope": "global", "kind": "override", "ruleId": ".m.rule.master",
            "receiptType": "m.read", "relType": "m.annotation", "version": "1", "sessionId": "walk-session",
            "protocol": "irc", "networkId": "walk-network", "appserviceId": "walk-appservice", "idpId": "walk-idp",
        ]
        return WalkFixture(server: server, alice: alice, values: values)
    }

    /// The path with every placeholder replaced; an unknown placeholder fails the test, so a new one in the
    /// spec gets a value here instead of a request to a path no server serves.
    func fill(_ template: String) throws -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = values[name] else { throw TestFailure("no walk value for {\(name)} in \(template)") }
            result += rest[..<open] + TestServer.segment(value)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// A fresh user's session, for the logout endpoints.
    func throwawayToken() async throws -> String {
        try await server.register("walker-\(UUID().uuidString.prefix(8).lowercased())").accessToken
    }
}
