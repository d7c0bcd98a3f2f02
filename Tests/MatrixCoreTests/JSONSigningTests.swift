import MatrixCore
import Testing

@Suite struct JSONSigningTests {
    /// Appendices, "JSON Signing": the empty object and `{"one": 1, "two": "Two"}`, byte for byte.
    @Test(arguments: [
        ("{}",
         #"{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}"#),
        (#"{"one": 1, "two": "Two"}"#,
         #"{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}"#),
    ])
    func appendixVectors(input: String, expected: String) throws {
        let signed = try JSONSigning.sign(
            try SigningFixtures.object(input), as: try SigningFixtures.server(), with: try SigningFixtures.key())
        #expect(try SigningFixtures.canonical(signed) == expected)
        try JSONSigning.verify(signed, signedBy: "domain", with: VerifyKey(try SigningFixtures.key()))
    }

    @Test func unsignedIsKeptButNotCovered() throws {
        let key = try SigningFixtures.key()
        let signed = try JSONSigning.sign(
            try SigningFixtures.object(#"{"one": 1, "two": "Two", "unsigned": {"age_ts": 5}}"#),
            as: try SigningFixtures.server(), with: key)
        #expect(signed["unsigned"] == ["age_ts": 5])
        // Same signature as without `unsigned` (the appendix vector).
        #expect(signed["signatures"]?["domain"]?["ed25519:1"]
            == "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw")
        var changedUnsigned = signed
        changedUnsigned["unsigned"] = ["age_ts": 99]
        try JSONSigning.verify(changedUnsigned, signedBy: "domain", with: VerifyKey(key))
    }

    @Test func mergesWithExistingSignatures() throws {
        let key = try SigningFixtures.key()
        let other = try SigningKey(version: "2", seed: [UInt8](repeating: 9, count: 32))
        let once = try JSONSigning.sign(["a": 1], as: try ServerName(parsing: "other.example"), with: other)
        let twice = try JSONSigning.sign(once, as: try SigningFixtures.server(), with: key)
        let twiceAgain = try JSONSigning.sign(twice, as: try SigningFixtures.server(), with: other)
        #expect(twiceAgain["signatures"]?["other.example"]?["ed25519:2"] == once["signatures"]?["other.example"]?["ed25519:2"])
        #expect(twiceAgain["signatures"]?["domain"]?.objectValue?.keys.sorted() == ["ed25519:1", "ed25519:2"])
        try JSONSigning.verify(twiceAgain, signedBy: "other.example", with: VerifyKey(other))
        try JSONSigning.verify(twiceAgain, signedBy: "domain", with: VerifyKey(key))
        try JSONSigning.verify(twiceAgain, signedBy: "domain", with: VerifyKey(other))
        #expect(JSONSigning.signingKeyIds(in: twiceAgain, by: "domain") == ["ed25519:1", "ed25519:2"])
        #expect(JSONSigning.signingKeyIds(in: twiceAgain, by: "nobody") == [])
    }

    @Test func refusesToSignOverMalformedSignatures() throws {
        let key = try SigningFixtures.key()
        let server = try SigningFixtures.server()
        #expect(throws: JSONSigning.SigningError.self) { try JSONSigning.sign(["signatures": 1], as: server, with: key) }
        #expect(throws: JSONSigning.SigningError.self) {
            try JSONSigning.sign(["signatures": ["domain": "x"]], as: server, with: key)
        }
        #expect(throws: JSONSigning.SigningError.self) { try JSONSigning.sign(["f": .double(0.5)], as: server, with: key) }
    }

    static let goodSignature =
        "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"

    @Test(arguments: [
        // No signatures at all, none by this server, none with this key.
        (#"{"one": 1, "two": "Two"}"#, SignatureError.Reason.missingSignature),
        (#"{"one": 1, "two": "Two", "signatures": {"elsewhere": {"ed25519:1": "\#(goodSignature)"}}}"#, .missingSignature),
        (#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:2": "\#(goodSignature)"}}}"#, .missingSignature),
        (#"{"one": 1, "two": "Two", "signatures": []}"#, .malformedSignatures("\"signatures\" is a array")),
        (#"{"one": 1, "two": "Two", "signatures": {"domain": "x"}}"#, .malformedSignatures("\"signatures.domain\" is a string")),
        (#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1": 5}}}"#,
         .malformedSignatures("\"signatures.domain.ed25519:1\" is a number")),
        (#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1": "not base64!"}}}"#, .badBase64),
        (#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1": "AAAA"}}}"#, .wrongLength(3)),
        // The right signature over different content.
        (#"{"one": 2, "two": "Two", "signatures": {"domain": {"ed25519:1": "\#(goodSignature)"}}}"#, .mismatch),
        (#"{"one": 1.5, "two": "Two", "signatures": {"domain": {"ed25519:1": "\#(goodSignature)"}}}"#,
         .notCanonical("canonical JSON cannot hold the number 1.5")),
    ])
    func verificationFailures(json: String, reason: SignatureError.Reason) throws {
        let object = try SigningFixtures.object(json)
        let key = VerifyKey(try SigningFixtures.key())
        #expect(throws: SignatureError(server: "domain", keyId: "ed25519:1", reason: reason)) {
            try JSONSigning.verify(object, signedBy: "domain", with: key)
        }
    }

    @Test func verifiesWithAKeyFromItsBase64() throws {
        let signingKey = try SigningFixtures.key()
        let key = try VerifyKey(keyId: "ed25519:1", base64: signingKey.publicKeyBase64)
        #expect(key == VerifyKey(signingKey))
        try JSONSigning.verify(
            try SigningFixtures.object(#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1": "\#(Self.goodSignature)"}}}"#),
            signedBy: "domain", with: key)
        // A different key under the same ID does not verify.
        let stranger = try VerifyKey(keyId: "ed25519:1", publicKey: try SigningKey(version: "1", seed: [UInt8](repeating: 1, count: 32)).publicKey)
        #expect(throws: SignatureError(server: "domain", keyId: "ed25519:1", reason: .mismatch)) {
            try JSONSigning.verify(
                try SigningFixtures.object(#"{"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1": "\#(Self.goodSignature)"}}}"#),
                signedBy: "domain", with: stranger)
        }
    }

    @Test(arguments: [
        ("curve25519:1", "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", "not an ed25519 key"),
        ("ed25519:", "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", "version"),
        ("ed25519:a b", "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", "version"),
        ("ed25519:a\u{7F}", "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", "version"),
        ("ed25519:1", "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2s", "not 31"),
        ("ed25519:1", "l8Hft5qX!n1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", "not valid base64"),
    ])
    func verifyKeyRefusals(keyId: String, base64: String, expected: String) {
        do {
            _ = try VerifyKey(keyId: keyId, base64: base64)
            Issue.record("accepted \(keyId) \(base64)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
