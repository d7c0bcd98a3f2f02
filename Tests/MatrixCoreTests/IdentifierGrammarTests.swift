import MatrixCore
import Testing

@Suite struct IdentifierGrammarTests {
    static let digest = [UInt8](repeating: 0xFB, count: 32)

    @Test func roomIds() throws {
        try IdentifierGrammar.checkRoomId("!abc:example.org", roomVersion: .v11)
        try IdentifierGrammar.checkRoomId("!abc:example.org")
        let hashId = "!" + Base64.encode(Self.digest, urlSafe: true)
        try IdentifierGrammar.checkRoomId(hashId, roomVersion: .v12)
        try IdentifierGrammar.checkRoomId(hashId)
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkRoomId("!abc:example.org", roomVersion: .v12) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkRoomId("abc:example.org") }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkRoomId("!:example.org") }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkRoomId("!abc:bad host") }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkRoomId("!abc", roomVersion: .v10) }
    }

    @Test func eventIdsPerVersion() throws {
        try IdentifierGrammar.checkEventId("$abc:example.org", roomVersion: .v1)
        let standard = "$" + Base64.encode(Self.digest)
        let urlSafe = "$" + Base64.encode(Self.digest, urlSafe: true)
        #expect(standard != urlSafe)
        try IdentifierGrammar.checkEventId(standard, roomVersion: .v3)
        try IdentifierGrammar.checkEventId(urlSafe, roomVersion: .v4)
        try IdentifierGrammar.checkEventId(urlSafe, roomVersion: .v12)
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId(urlSafe, roomVersion: .v3) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId(standard, roomVersion: .v4) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId("$abc:example.org", roomVersion: .v4) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId("$short", roomVersion: .v10) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId(urlSafe + "=", roomVersion: .v10) }
        #expect(throws: IdentifierGrammar.Violation.self) { try IdentifierGrammar.checkEventId("$abc", roomVersion: .v1) }
    }

    @Test func roomAliases() throws {
        let alias = try RoomAlias(parsing: "#family:example.org")
        #expect(alias.localpart == "family")
        #expect(alias.serverName == "example.org")
        _ = try RoomAlias(parsing: "#café ☕:example.org:8448")
        #expect(throws: RoomAlias.ParseError.self) { try RoomAlias(parsing: "family:example.org") }
        #expect(throws: RoomAlias.ParseError.self) { try RoomAlias(parsing: "#:example.org") }
        #expect(throws: RoomAlias.ParseError.self) { try RoomAlias(parsing: "#family") }
        #expect(throws: RoomAlias.ParseError.self) { try RoomAlias(parsing: "#a:b:c:d") }
        #expect(throws: RoomAlias.ParseError.self) { try RoomAlias(parsing: "#" + String(repeating: "a", count: 250) + ":example.org") }
    }
}
