import MatrixCore
import Testing

@Suite struct IdentifierTests {
    @Test(arguments: ["example.org", "matrix.example.org:8448", "1.2.3.4", "1.2.3.4:1234", "[1234:5678::abcd]",
                      "[1234:5678::abcd]:5678", "localhost", "a-b.c"])
    func validServerNames(_ name: String) throws {
        _ = try ServerName(parsing: name)
    }

    @Test(arguments: ["", "exa mple.org", "example.org:", "example.org:99999", "[1234::", "[]", "ex_ample.org",
                      "example.org:80a", "[::1]x"])
    func invalidServerNames(_ name: String) {
        #expect(throws: ServerName.ParseError.self) { try ServerName(parsing: name) }
    }

    @Test func serverNameKinds() throws {
        #expect(try ServerName(parsing: "1.2.3.4:80").host == .ipv4("1.2.3.4"))
        #expect(try ServerName(parsing: "1.2.3.4:80").port == 80)
        #expect(try ServerName(parsing: "[::1]").host == .ipv6("::1"))
        #expect(try ServerName(parsing: "example.org").host == .dns("example.org"))
    }

    @Test func userIds() throws {
        let user = try UserID(parsing: "@alice:example.org", strict: true)
        #expect(user.localpart == "alice")
        #expect(user.serverName == "example.org")
        #expect(user.description == "@alice:example.org")
        _ = try UserID(parsing: "@Alice!:example.org", strict: false)
        #expect(throws: UserID.ParseError.self) { try UserID(parsing: "@Alice:example.org", strict: true) }
        #expect(throws: UserID.ParseError.self) { try UserID(parsing: "alice:example.org") }
        #expect(throws: UserID.ParseError.self) { try UserID(parsing: "@alice") }
        #expect(throws: UserID.ParseError.self) { try UserID(parsing: "@:example.org") }
        #expect(throws: UserID.ParseError.self) { try UserID(parsing: "@alice:bad server") }
        #expect(throws: UserID.ParseError.self) {
            try UserID(parsing: "@" + String(repeating: "a", count: 250) + ":example.org")
        }
    }

    @Test func signingKeyFileRoundTrip() throws {
        let seed = (0..<32).map { UInt8($0) }
        let key = try SigningKey(version: "a_1", seed: seed)
        #expect(key.keyId == "ed25519:a_1")
        #expect(key.fileContents == "ed25519 a_1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n")
        let parsed = try SigningKey(fileContents: key.fileContents)
        #expect(parsed == key)
        #expect(key.publicKey.count == 32)
        #expect(throws: SigningKey.FormatError.self) { try SigningKey(fileContents: "ed25519 a_1 AAEC\n") }
        #expect(throws: SigningKey.FormatError.self) { try SigningKey(fileContents: "rsa a_1 AAEC\n") }
        #expect(throws: SigningKey.FormatError.self) { try SigningKey(version: "bad version", seed: seed) }
    }

    /// RFC 8032 test 1: the seed 9d61b19d... gives the public key d75a9801....
    @Test func signingKeyDerivesThePublicKeyOfRFC8032() throws {
        let seedHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        let seed = stride(from: 0, to: seedHex.count, by: 2).map { i -> UInt8 in
            let start = seedHex.index(seedHex.startIndex, offsetBy: i)
            return UInt8(seedHex[start..<seedHex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
        let key = try SigningKey(version: "x", seed: seed)
        let hex = key.publicKey.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
        #expect(hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    }
}

@Suite struct Ed25519Tests {
    @Test func signAndVerifyRoundTrip() throws {
        let seed = [UInt8](repeating: 7, count: 32)
        let key = try SigningKey(version: "k", seed: seed)
        let message = Array("hello".utf8)
        let signature = Ed25519.sign(message, seed: seed)
        #expect(Ed25519.verify(signature: signature, message: message, publicKey: key.publicKey))
        #expect(!Ed25519.verify(signature: signature, message: Array("hellp".utf8), publicKey: key.publicKey))
        #expect(!Ed25519.verify(signature: Array(signature.dropLast()), message: message, publicKey: key.publicKey))
        #expect(!Ed25519.verify(signature: signature, message: [], publicKey: key.publicKey))
    }
}
