import MatrixCore
import Testing

@Suite struct XMatrixAuthorizationTests {
    let key = try! SigningKey(version: "a_1", seed: Array(repeating: 7, count: 32))
    let origin = try! ServerName(parsing: "origin.example:8448")

    @Test func signedHeaderRoundTripsAndVerifies() throws {
        let body: JSONValue = .object(["pdus": .array([]), "origin": .string("origin.example:8448")])
        let auth = try XMatrixAuthorization.sign(method: "PUT", uri: "/_matrix/federation/v1/send/1?x=%20",
                                                 origin: origin, destination: "dest.example", content: body, key: key)
        let parsed = try XMatrixAuthorization(parsing: auth.headerValue)
        #expect(parsed == auth)
        try parsed.verify(method: "PUT", uri: "/_matrix/federation/v1/send/1?x=%20", destination: "dest.example",
                          content: body, key: VerifyKey(key))
        // Any change to what is covered breaks it.
        #expect(throws: SignatureError.self) {
            try parsed.verify(method: "PUT", uri: "/_matrix/federation/v1/send/2", destination: "dest.example",
                              content: body, key: VerifyKey(key))
        }
        #expect(throws: SignatureError.self) {
            try parsed.verify(method: "PUT", uri: "/_matrix/federation/v1/send/1?x=%20", destination: "other.example",
                              content: body, key: VerifyKey(key))
        }
        #expect(throws: SignatureError.self) {
            try parsed.verify(method: "PUT", uri: "/_matrix/federation/v1/send/1?x=%20", destination: "dest.example",
                              content: .object([:]), key: VerifyKey(key))
        }
    }

    @Test func parsesUnquotedQuotedAndOldHeaders() throws {
        let a = try XMatrixAuthorization(parsing: "X-Matrix origin=a.example,key=\"ed25519:k\",sig=\"c2ln\"")
        #expect(a.origin == "a.example")
        #expect(a.destination == nil)
        #expect(a.keyId == "ed25519:k")
        #expect(a.signature == "c2ln")
        let b = try XMatrixAuthorization(
            parsing: "x-matrix origin=\"b.example:8448\", destination=\"c.example\", key=\"ed25519:k\", sig=\"s\", extra=1")
        #expect(b.origin == "b.example:8448")
        #expect(b.destination == "c.example")
        let escaped = try XMatrixAuthorization(parsing: "X-Matrix origin=\"a\\\"b\",key=\"ed25519:k\",sig=\"s\"")
        #expect(escaped.origin == "a\"b")
    }

    @Test func refusesMalformedHeaders() {
        for header in ["Bearer abc", "X-Matrix", "X-Matrix key=\"ed25519:k\",sig=\"s\"",
                       "X-Matrix origin=a,sig=s", "X-Matrix origin=a,key=\"rsa:1\",sig=s",
                       "X-Matrix origin=a,key=\"ed25519:k\"", "X-Matrix origin=\"a,key=ed25519:k,sig=s",
                       "X-Matrix origin=a,origin=b,key=\"ed25519:k\",sig=s"] {
            #expect(throws: XMatrixAuthorization.ParseError.self, "\(header)") {
                try XMatrixAuthorization(parsing: header)
            }
        }
    }
}
