/// Signing and checking JSON objects (appendices, "Signing JSON"): the signature covers the canonical
/// JSON of the object without `signatures` and `unsigned`, so others can add both later.
public enum JSONSigning {
    public struct SigningError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The object with our signature added under `signatures[server][key ID]`; other signatures and
    /// `unsigned` are kept as they were.
    public static func sign(_ object: JSONObject, as server: ServerName, with key: SigningKey)
        throws(SigningError) -> JSONObject
    {
        try sign(object, as: server.description, with: key, strictCanonical: true)
    }

    /// Checks the signature by `server` with `key`; returns normally only for a valid signature.
    public static func verify(_ object: JSONObject, signedBy server: String, with key: VerifyKey)
        throws(SignatureError)
    {
        try verify(object, signedBy: server, with: key, strictCanonical: true)
    }

    /// The ed25519 key IDs `server` signed with, sorted: the keys a caller must look up before `verify`
    /// (the appendix ignores other algorithms). Empty when the server did not sign or the entry is malformed.
    public static func signingKeyIds(in object: JSONObject, by server: String) -> [String] {
        guard case .object(let entry)? = object["signatures"]?[server] else { return [] }
        return entry.keys.filter { $0.hasPrefix("ed25519:") }.sorted()
    }

    // Room versions 1-5 allow floats in events, which strict canonical JSON refuses; event signing
    // passes `strictCanonical: false` for those versions.

    static func sign(_ object: JSONObject, as server: String, with key: SigningKey, strictCanonical: Bool)
        throws(SigningError) -> JSONObject
    {
        var signatures: JSONObject = [:]
        if let existing = object["signatures"] {
            guard case .object(let entries) = existing else {
                throw SigningError(description: "cannot sign: \"signatures\" is a \(existing.typeName), not an object")
            }
            signatures = entries
        }
        var serverEntry: JSONObject = [:]
        if let existing = signatures[server] {
            guard case .object(let entries) = existing else {
                throw SigningError(
                    description: "cannot sign: \"signatures.\(server)\" is a \(existing.typeName), not an object")
            }
            serverEntry = entries
        }
        let message: [UInt8]
        do {
            message = try signedBytes(object, strictCanonical: strictCanonical)
        } catch {
            throw SigningError(description: "cannot sign: \(error.description)")
        }
        serverEntry[key.keyId] = .string(Base64.encode(Ed25519.sign(message, seed: key.seed)))
        signatures[server] = .object(serverEntry)
        var signed = object
        signed["signatures"] = .object(signatures)
        return signed
    }

    static func verify(_ object: JSONObject, signedBy server: String, with key: VerifyKey, strictCanonical: Bool)
        throws(SignatureError)
    {
        func fail(_ reason: SignatureError.Reason) -> SignatureError {
            SignatureError(server: server, keyId: key.keyId, reason: reason)
        }
        guard let signatures = object["signatures"] else { throw fail(.missingSignature) }
        guard case .object(let servers) = signatures else {
            throw fail(.malformedSignatures("\"signatures\" is a \(signatures.typeName)"))
        }
        guard let entry = servers[server] else { throw fail(.missingSignature) }
        guard case .object(let keys) = entry else {
            throw fail(.malformedSignatures("\"signatures.\(server)\" is a \(entry.typeName)"))
        }
        guard let value = keys[key.keyId] else { throw fail(.missingSignature) }
        guard case .string(let text) = value else {
            throw fail(.malformedSignatures("\"signatures.\(server).\(key.keyId)\" is a \(value.typeName)"))
        }
        guard let signature = Base64.decode(text) else { throw fail(.badBase64) }
        guard signature.count == Ed25519.signatureLength else { throw fail(.wrongLength(signature.count)) }
        let message: [UInt8]
        do {
            message = try signedBytes(object, strictCanonical: strictCanonical)
        } catch {
            throw fail(.notCanonical(error.description))
        }
        guard Ed25519.verify(signature: signature, message: message, publicKey: key.publicKey) else {
            throw fail(.mismatch)
        }
    }

    /// What a signature covers: the canonical JSON of the object without `signatures` and `unsigned`.
    static func signedBytes(_ object: JSONObject, strictCanonical: Bool)
        throws(CanonicalJSON.EncodingError) -> [UInt8]
    {
        var covered = object
        covered["signatures"] = nil
        covered["unsigned"] = nil
        return strictCanonical ? try CanonicalJSON.encode(.object(covered)) : CanonicalJSON.encodeLenient(.object(covered))
    }
}
