import MatrixCore
import MyelinFederation
import Testing

@Suite struct LocalServerKeysTests {
    let retired = try! SigningKey(version: "old1", seed: Array(repeating: 9, count: 32))

    func keys(old: [OldVerifyKey] = [], validityMs: Int64 = 86_400_000, clock: TestClock = TestClock()) throws
        -> LocalServerKeys
    {
        var settings = FederationSettings()
        settings.oldVerifyKeys = old
        settings.keyValidityMs = validityMs
        return try LocalServerKeys(serverName: try ServerName(parsing: KeyHarness.ours.name),
                                   signingKey: KeyHarness.ours.key, settings: settings, nowMs: clock.nowMs)
    }

    @Test func documentIsSignedByOurKeyAndListsOldKeys() throws {
        let clock = TestClock()
        let local = try keys(old: [OldVerifyKey(keyId: retired.keyId, publicKeyBase64: retired.publicKeyBase64,
                                                expiredTs: 1_700_000_000_000)],
                             validityMs: 3_600_000, clock: clock)
        let document = try local.document()
        #expect(document["server_name"] == "ours.example")
        #expect(document["valid_until_ts"]?.intValue == clock.read() + 3_600_000)
        #expect(document["verify_keys"]?["ed25519:ours"]?["key"]?.stringValue == KeyHarness.ours.key.publicKeyBase64)
        #expect(document["old_verify_keys"]?["ed25519:old1"]?["key"]?.stringValue == retired.publicKeyBase64)
        #expect(document["old_verify_keys"]?["ed25519:old1"]?["expired_ts"]?.intValue == 1_700_000_000_000)
        try JSONSigning.verify(document, signedBy: "ours.example", with: KeyHarness.ours.verifyKey)
        // It is exactly what a remote server accepts.
        #expect(JSONSigning.signingKeyIds(in: document, by: "ours.example") == ["ed25519:ours"])
    }

    @Test func ourOldKeysServeUntilTheyExpired() throws {
        let local = try keys(old: [OldVerifyKey(keyId: retired.keyId, publicKeyBase64: retired.publicKeyBase64,
                                                expiredTs: 1_000)])
        #expect(local.verifyKey(keyId: "ed25519:ours", validAtMs: .max) == KeyHarness.ours.verifyKey)
        #expect(local.verifyKey(keyId: "ed25519:old1", validAtMs: 999) == VerifyKey(retired))
        #expect(local.verifyKey(keyId: "ed25519:old1", validAtMs: 1_000) == nil)
        #expect(local.verifyKey(keyId: "ed25519:nope", validAtMs: 0) == nil)
    }

    @Test func badOldKeysAreConfigurationErrors() {
        #expect(throws: LocalServerKeys.ConfigurationError.self) {
            _ = try keys(old: [OldVerifyKey(keyId: "ed25519:x", publicKeyBase64: "not base64!", expiredTs: 1)])
        }
        #expect(throws: LocalServerKeys.ConfigurationError.self) {
            _ = try keys(old: [OldVerifyKey(keyId: "rsa:x", publicKeyBase64: retired.publicKeyBase64, expiredTs: 1)])
        }
        #expect(throws: LocalServerKeys.ConfigurationError.self) { _ = try keys(validityMs: 0) }
    }

    @Test func notaryCoSignatureKeepsTheOriginal() throws {
        let remote = FakeKeyServer("remote.example", seed: 3)
        let document = remote.document(validUntil: 5)
        let cosigned = try keys().sign(document)
        try JSONSigning.verify(cosigned, signedBy: "remote.example", with: remote.verifyKey)
        try JSONSigning.verify(cosigned, signedBy: "ours.example", with: KeyHarness.ours.verifyKey)
    }
}
