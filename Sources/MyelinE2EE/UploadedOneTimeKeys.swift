import MatrixCore
import MyelinStorage

/// One-time or fallback keys from `/keys/upload`, validated. IDs are `algorithm:key_id`; a
/// `signed_curve25519` key is an object `{key, signatures}` signed by the device's ed25519 key, and its
/// `key` is a 32-byte curve25519 key in unpadded base64. Other algorithms are stored as given.
enum UploadedOneTimeKeys {
    static let signedCurve25519 = "signed_curve25519"

    static func parse(_ value: JSONValue, field: String, userId: String, deviceKey: VerifyKey?)
        throws(MatrixError) -> [StoredOneTimeKey]
    {
        guard case .object(let keys) = value else {
            throw MatrixError.badJSON("'\(field)' must be an object, not \(value.typeName)")
        }
        var parsed: [StoredOneTimeKey] = []
        for name in keys.sortedKeys {
            guard let key = keys[name] else { continue }
            parsed.append(try parseOne(name: name, key: key, field: field, userId: userId, deviceKey: deviceKey))
        }
        return parsed
    }

    private static func parseOne(name: String, key: JSONValue, field: String, userId: String, deviceKey: VerifyKey?)
        throws(MatrixError) -> StoredOneTimeKey
    {
        guard let colon = name.firstIndex(of: ":"), colon != name.startIndex, name.index(after: colon) != name.endIndex
        else { throw MatrixError.badJSON("'\(field)': key ID \"\(name)\" is not algorithm:key_id") }
        let algorithm = String(name[..<colon])
        let json: [UInt8]
        switch key {
        case .string(let text):
            guard algorithm != signedCurve25519 else {
                throw MatrixError.badJSON("'\(field).\(name)': a signed_curve25519 key must be a signed object")
            }
            json = CanonicalJSON.encodeLenient(.string(text))
        case .object(var object):
            object["unsigned"] = nil
            guard case .string(let publicKey)? = object["key"] else {
                throw MatrixError.badJSON("'\(field).\(name).key' must be a string")
            }
            if algorithm == signedCurve25519 {
                guard Base64.decode(publicKey)?.count == 32 else {
                    throw MatrixError.badJSON("'\(field).\(name).key' is not a 32-byte unpadded base64 key")
                }
                guard let deviceKey else {
                    throw MatrixError.invalidParam("'\(field).\(name)': upload the device keys before signed keys")
                }
                do {
                    try JSONSigning.verify(object, signedBy: userId, with: deviceKey)
                } catch {
                    throw KeyJSON.invalidSignature(
                        "'\(field).\(name)' is not signed by the device's key: \(error.description)")
                }
            }
            json = try KeyJSON.encode(object, field: "\(field).\(name)")
        default:
            throw MatrixError.badJSON("'\(field).\(name)' must be an object or a string, not \(key.typeName)")
        }
        return StoredOneTimeKey(algorithm: algorithm, keyId: name, json: json)
    }
}
