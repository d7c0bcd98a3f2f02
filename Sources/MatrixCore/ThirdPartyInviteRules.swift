/// The invite rule's first branch: an `m.room.member` invite that redeems an
/// `m.room.third_party_invite` (server-server API, "Third-party invites"). The identity server's
/// signature over `content.third_party_invite.signed` must verify under a public key of the
/// `m.room.third_party_invite` event whose state key is the signed token.
enum ThirdPartyInviteRules {
    static func check(_ context: AuthContext, target: String, thirdPartyInvite: JSONValue) -> AuthDecision {
        let numbers = context.numbers
        func reject(_ sub: Int, _ reason: String) -> AuthDecision {
            numbers.reject(numbers.member, numbers.memberInvite, 1, sub, because: reason)
        }
        guard context.membership(of: target) != .ban else { return reject(1, "\(target) is banned") }
        guard case .object(let signed)? = thirdPartyInvite["signed"] else {
            return reject(2, "third_party_invite has no signed object")
        }
        guard let mxid = signed["mxid"]?.stringValue, let token = signed["token"]?.stringValue else {
            return reject(3, "the signed third-party invite lacks mxid or token")
        }
        guard mxid == target else { return reject(4, "the third-party invite is for \(mxid), not \(target)") }
        guard let inviteEvent = context.state(StateTuple(type: RuleEventType.thirdPartyInvite, stateKey: token)) else {
            return reject(5, "no m.room.third_party_invite has the token \(token)")
        }
        guard inviteEvent.sender == context.event.sender else {
            return reject(6, "\(context.event.sender) did not send the third-party invite")
        }
        guard isSigned(signed, byAnyOf: publicKeys(of: inviteEvent)) else {
            return reject(8, "no signature of the third-party invite matches its public keys")
        }
        return .allow
    }

    /// The keys of an `m.room.third_party_invite`: `public_key`, then each `public_keys[].public_key`,
    /// in unpadded base64 of either alphabet. Undecodable keys are skipped.
    static func publicKeys(of inviteEvent: PDU) -> [[UInt8]] {
        var encoded: [String] = []
        if let key = inviteEvent.content["public_key"]?.stringValue { encoded.append(key) }
        for entry in inviteEvent.content["public_keys"]?.arrayValue ?? [] {
            if let key = entry["public_key"]?.stringValue { encoded.append(key) }
        }
        return encoded.compactMap(Base64.decode).filter { $0.count == Ed25519.publicKeyLength }
    }

    /// Whether any ed25519 signature in `signed.signatures` verifies under any of `keys`, signed as
    /// the appendices' "Signing JSON" describes (canonical JSON without `signatures` and `unsigned`).
    /// The signing server's name is not checked: the key came from the room, which is the trust.
    static func isSigned(_ signed: JSONObject, byAnyOf keys: [[UInt8]]) -> Bool {
        guard !keys.isEmpty, case .object(let servers)? = signed["signatures"] else { return false }
        var unsigned = signed
        unsigned["signatures"] = nil
        unsigned["unsigned"] = nil
        guard let message = try? CanonicalJSON.encode(.object(unsigned)) else { return false }
        for case .object(let byKeyID) in servers.values {
            for (keyID, value) in byKeyID where keyID.hasPrefix("ed25519:") {
                guard let encoded = value.stringValue, let signature = Base64.decode(encoded) else { continue }
                if keys.contains(where: { Ed25519.verify(signature: signature, message: message, publicKey: $0) }) {
                    return true
                }
            }
        }
        return false
    }
}
