import MatrixCore
import Testing

/// Invites that redeem an `m.room.third_party_invite`, with real ed25519 signatures.
@Suite struct AuthThirdPartyInviteTests {
    static let seed = (0..<32).map { UInt8($0) }
    static let otherSeed = (0..<32).map { UInt8(255 - $0) }
    static let token = "tok123"

    static func publicKey(_ seed: [UInt8]) -> [UInt8] {
        // Any key pair works; SigningKey derives the public key from the seed.
        (try? SigningKey(version: "0", seed: seed))?.publicKey ?? []
    }

    /// `signed` for `mxid`, signed by the identity server key made from `seed`.
    static func signed(mxid: String, token: String = token, seed: [UInt8] = seed) -> JSONValue {
        let body: JSONObject = ["mxid": .string(mxid), "token": .string(token)]
        let message = (try? CanonicalJSON.encode(.object(body))) ?? []
        let signature = Base64.encode(Ed25519.sign(message, seed: seed))
        var signed = body
        signed["signatures"] = ["id.example": ["ed25519:0": .string(signature)]]
        return .object(signed)
    }

    /// A room where alice (who may invite) has issued a third-party invite with `keys` content.
    static func room(_ version: RoomVersion, inviteContent: JSONObject? = nil) -> TestRoom {
        var room = TestRoom.standard(version, joinRule: "invite")
        let content =
            inviteContent ?? [
                "display_name": "b...@example.org", "key_validity_url": "https://id.example/isvalid",
                "public_key": .string(Base64.encode(publicKey(seed))),
            ]
        room.mustSend(room.event("m.room.third_party_invite", sender: Users.alice, stateKey: token, content: content))
        return room
    }

    static func invite(
        _ room: inout TestRoom, target: String = Users.bob, sender: String = Users.alice, signed: JSONValue
    ) -> PDU {
        room.member(
            target, "invite", sender: sender,
            content: ["third_party_invite": ["display_name": "b...", "signed": signed]])
    }

    static func rule(_ version: RoomVersion, _ sub: Int) -> String {
        AuthMembershipTests.rule(version, "invite", 1) + ".\(sub)"
    }

    @Test(arguments: RoomVersion.all)
    func aValidSignatureAllowsTheInvite(_ version: RoomVersion) {
        var room = Self.room(version)
        let event = Self.invite(&room, signed: Self.signed(mxid: Users.bob))
        #expect(
            AuthRules.authStateTuples(for: event).contains(
                StateTuple(type: "m.room.third_party_invite", stateKey: Self.token)))
        expectAllow(room.check(event))
    }

    @Test(arguments: RoomVersion.all)
    func keysInPublicKeysInURLSafeBase64(_ version: RoomVersion) {
        var room = Self.room(
            version,
            inviteContent: [
                "display_name": "x", "key_validity_url": "https://id.example/isvalid", "public_key": "not a key",
                "public_keys": [["public_key": .string(Base64.encode(Self.publicKey(Self.otherSeed), urlSafe: true))]],
            ])
        expectAllow(room.check(Self.invite(&room, signed: Self.signed(mxid: Users.bob, seed: Self.otherSeed))))
    }

    @Test(arguments: RoomVersion.all)
    func refusals(_ version: RoomVersion) {
        var room = Self.room(version)
        expectReject(
            room.check(Self.invite(&room, signed: Self.signed(mxid: Users.bob, seed: Self.otherSeed))), "no signature",
            rule: Self.rule(version, 8))
        expectReject(
            room.check(Self.invite(&room, signed: Self.signed(mxid: Users.carol))), "not @bob",
            rule: Self.rule(version, 4))
        expectReject(
            room.check(Self.invite(&room, signed: ["mxid": .string(Users.bob)])), "lacks mxid or token",
            rule: Self.rule(version, 3))
        expectReject(room.check(Self.invite(&room, signed: "nope")), "no signed object", rule: Self.rule(version, 2))
        expectReject(
            room.check(Self.invite(&room, signed: Self.signed(mxid: Users.bob, token: "other"))),
            "no m.room.third_party_invite", rule: Self.rule(version, 5))
        room.join(Users.carol)
        expectReject(
            room.check(Self.invite(&room, sender: Users.carol, signed: Self.signed(mxid: Users.bob))), "did not send",
            rule: Self.rule(version, 6))
        // A tampered body no longer matches its signature.
        guard case .object(var tampered) = Self.signed(mxid: Users.bob) else { return }
        tampered["extra"] = "x"
        expectReject(room.check(Self.invite(&room, signed: .object(tampered))), "no signature")
        room.mustSend(room.member(Users.bob, "ban", sender: Users.alice))
        expectReject(
            room.check(Self.invite(&room, signed: Self.signed(mxid: Users.bob))), "banned", rule: Self.rule(version, 1))
    }

    @Test(arguments: RoomVersion.all)
    func sendingAThirdPartyInviteNeedsTheInviteLevel(_ version: RoomVersion) {
        var room = TestRoom.standard(version, powerLevels: ["invite": 20])
        room.join(Users.bob)
        let tpiRule = version.specialCaseAliasesAuth || version.roomIDFromCreateEvent ? "7.1" : "6.1"
        expectReject(
            room.check(room.event("m.room.third_party_invite", sender: Users.bob, stateKey: "t", content: [:])),
            "invite level", rule: tpiRule)
        expectAllow(
            room.check(room.event("m.room.third_party_invite", sender: Users.alice, stateKey: "t", content: [:])))
    }
}
