import MatrixCore
import MyelinStorage

/// The JSON plumbing shared by the key handlers: canonical encoding of uploads and signature merging.
enum KeyJSON {
    /// Canonical bytes for storage; refuses what canonical JSON cannot hold (floats, huge integers).
    static func encode(_ object: JSONObject, field: String) throws(MatrixError) -> [UInt8] {
        do {
            return try CanonicalJSON.encode(.object(object))
        } catch {
            throw MatrixError.badJSON("'\(field)' is not canonical JSON: \(error.description)")
        }
    }

    /// The part of a key object its signatures cover: everything but `signatures` and `unsigned`.
    static func signedContent(_ object: JSONObject, field: String) throws(MatrixError) -> [UInt8] {
        var covered = object
        covered["signatures"] = nil
        covered["unsigned"] = nil
        return try encode(covered, field: field)
    }

    /// A stored object (written by us, so valid); nil only if storage was tampered with.
    static func decode(_ bytes: [UInt8]) -> JSONObject? {
        (try? JSONParser.parse(bytes))?.objectValue
    }

    /// `object` with `signature` added under `signatures[signer][keyId]`.
    static func adding(signature: String, by signer: String, keyId: String, to object: JSONObject) -> JSONObject {
        var result = object
        var signatures = object["signatures"]?.objectValue ?? [:]
        var entry = signatures[signer]?.objectValue ?? [:]
        entry[keyId] = .string(signature)
        signatures[signer] = .object(entry)
        result["signatures"] = .object(signatures)
        return result
    }

    /// Keeps only `signatures[signer][keyId]`, the one signature an upload is trusted for.
    static func keepingOnly(signer: String, keyId: String, in object: JSONObject) -> JSONObject {
        var result = object
        result["unsigned"] = nil
        if let value = object["signatures"]?[signer]?[keyId] {
            result["signatures"] = .object([signer: .object([keyId: value])])
        } else {
            result["signatures"] = nil
        }
        return result
    }

    /// The `ed25519:<id>` key of a key object's `keys`, if present and well formed.
    static func ed25519Key(_ object: JSONObject, id: String) -> VerifyKey? {
        let keyId = "ed25519:\(id)"
        guard let text = object["keys"]?[keyId]?.stringValue else { return nil }
        return try? VerifyKey(keyId: keyId, base64: text)
    }

    static func invalidSignature(_ message: String) -> MatrixError {
        MatrixError("M_INVALID_SIGNATURE", message, status: 400)
    }
}

extension KeyJSON {
    /// `object` with the stored signatures on `targetKeyId` merged in.
    static func merging(_ signatures: [StoredSignature], on targetKeyId: String, into object: JSONObject)
        -> JSONObject
    {
        var result = object
        for signature in signatures where signature.targetKeyId == targetKeyId {
            result = adding(signature: signature.signature, by: signature.signerUserId, keyId: signature.signerKeyId,
                            to: result)
        }
        return result
    }
}
