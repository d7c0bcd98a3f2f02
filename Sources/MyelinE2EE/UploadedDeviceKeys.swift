import MatrixCore
import MyelinStorage

/// A device's identity keys from `/keys/upload`, validated: they name the caller's user and device, and
/// carry a valid signature by the device's own ed25519 key.
struct UploadedDeviceKeys {
    let signingKey: VerifyKey
    let stored: StoredDeviceKey

    init(_ value: JSONValue, userId: String, deviceId: String) throws(MatrixError) {
        guard case .object(let object) = value else {
            throw MatrixError.badJSON("'device_keys' must be an object, not \(value.typeName)")
        }
        guard case .string(let claimedUser)? = object["user_id"] else {
            throw MatrixError.badJSON("'device_keys.user_id' must be a string")
        }
        guard case .string(let claimedDevice)? = object["device_id"] else {
            throw MatrixError.badJSON("'device_keys.device_id' must be a string")
        }
        guard claimedUser == userId else {
            throw MatrixError.invalidParam("device_keys.user_id \"\(claimedUser)\" is not the caller \(userId)")
        }
        guard claimedDevice == deviceId else {
            throw MatrixError.invalidParam(
                "device_keys.device_id \"\(claimedDevice)\" is not the caller's device \(deviceId)")
        }
        guard case .array(let algorithms)? = object["algorithms"], algorithms.allSatisfy({ $0.stringValue != nil })
        else { throw MatrixError.badJSON("'device_keys.algorithms' must be an array of strings") }
        guard case .object(let keys)? = object["keys"], keys.allSatisfy({ $0.value.stringValue != nil }) else {
            throw MatrixError.badJSON("'device_keys.keys' must be an object of strings")
        }
        guard keys["ed25519:\(deviceId)"] != nil else {
            throw MatrixError.badJSON("'device_keys.keys' has no ed25519:\(deviceId) key")
        }
        guard let signingKey = KeyJSON.ed25519Key(object, id: deviceId) else {
            throw MatrixError.badJSON("'device_keys.keys.ed25519:\(deviceId)' is not a 32-byte unpadded base64 key")
        }
        if let signatures = object["signatures"], signatures.objectValue == nil {
            throw MatrixError.badJSON("'device_keys.signatures' must be an object")
        }
        do {
            try JSONSigning.verify(object, signedBy: userId, with: signingKey)
        } catch {
            throw KeyJSON.invalidSignature("device_keys are not signed by the device's own key: \(error.description)")
        }
        self.signingKey = signingKey
        let kept = KeyJSON.keepingOnly(signer: userId, keyId: signingKey.keyId, in: object)
        self.stored = StoredDeviceKey(json: try KeyJSON.encode(kept, field: "device_keys"),
                                      identity: try KeyJSON.signedContent(object, field: "device_keys"))
    }
}
