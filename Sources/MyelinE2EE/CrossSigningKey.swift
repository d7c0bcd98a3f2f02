import MatrixCore
import MyelinStorage

/// A master, self-signing or user-signing key (spec: CrossSigningKey): `user_id`, `usage` and exactly
/// one `ed25519:<public key>` entry in `keys`, whose name repeats the key.
struct CrossSigningKey {
    enum Usage: String, CaseIterable {
        case master
        case selfSigning = "self_signing"
        case userSigning = "user_signing"
    }

    let usage: Usage
    let verifyKey: VerifyKey
    /// The unpadded base64 public key: the key's ID in `/keys/signatures/upload`.
    let publicKey: String
    let object: JSONObject

    init(_ value: JSONValue, field: String, usage: Usage, userId: String) throws(MatrixError) {
        guard case .object(var object) = value else {
            throw MatrixError.badJSON("'\(field)' must be an object, not \(value.typeName)")
        }
        object["unsigned"] = nil
        guard case .string(let owner)? = object["user_id"] else {
            throw MatrixError.badJSON("'\(field).user_id' must be a string")
        }
        guard owner == userId else {
            throw MatrixError.invalidParam("'\(field).user_id' \"\(owner)\" is not the caller \(userId)")
        }
        guard case .array(let usages)? = object["usage"], usages.allSatisfy({ $0.stringValue != nil }) else {
            throw MatrixError.badJSON("'\(field).usage' must be an array of strings")
        }
        guard usages.contains(.string(usage.rawValue)) else {
            throw MatrixError.invalidParam("'\(field).usage' must contain \"\(usage.rawValue)\"")
        }
        guard case .object(let keys)? = object["keys"], keys.count == 1, let (keyId, keyValue) = keys.first(where: { _ in true })
        else { throw MatrixError.badJSON("'\(field).keys' must be an object holding exactly one key") }
        guard case .string(let publicKey) = keyValue, keyId == "ed25519:\(publicKey)",
            let verifyKey = try? VerifyKey(keyId: keyId, base64: publicKey)
        else {
            throw MatrixError.invalidParam(
                "'\(field).keys' must be {\"ed25519:<key>\": \"<key>\"} with a 32-byte unpadded base64 key")
        }
        if let signatures = object["signatures"], signatures.objectValue == nil {
            throw MatrixError.badJSON("'\(field).signatures' must be an object")
        }
        self.usage = usage
        self.verifyKey = verifyKey
        self.publicKey = publicKey
        self.object = object
    }

    /// A key read back from storage; nil if the row no longer parses (then it is treated as absent).
    init?(stored: StoredCrossSigningKey) {
        guard let usage = Usage(rawValue: stored.usage), let object = KeyJSON.decode(stored.json),
            let key = try? VerifyKey(keyId: "ed25519:\(stored.publicKey)", base64: stored.publicKey)
        else { return nil }
        self.usage = usage
        self.verifyKey = key
        self.publicKey = stored.publicKey
        self.object = object
    }

    /// Self-signing and user-signing keys must carry the owner's master key signature.
    func checkSigned(by master: CrossSigningKey, userId: String, field: String) throws(MatrixError) {
        do {
            try JSONSigning.verify(object, signedBy: userId, with: master.verifyKey)
        } catch {
            throw KeyJSON.invalidSignature("'\(field)' is not signed by the master key: \(error.description)")
        }
    }

    func stored(field: String) throws(MatrixError) -> StoredCrossSigningKey {
        StoredCrossSigningKey(usage: usage.rawValue, publicKey: publicKey, json: try KeyJSON.encode(object, field: field))
    }
}
