/// Why a JSON object does not carry a valid signature by a given server and key.
public struct SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// No `signatures[server][keyId]` entry.
        case missingSignature
        /// `signatures`, the server's entry or the signature is not of the expected JSON type.
        case malformedSignatures(String)
        /// The signature is not base64.
        case badBase64
        /// The signature decodes to this many bytes instead of 64.
        case wrongLength(Int)
        /// A well-formed signature that does not match the object and key.
        case mismatch
        /// The object cannot be written as canonical JSON (a float in a strict room version).
        case notCanonical(String)
    }

    public let server: String
    public let keyId: String
    public let reason: Reason

    public init(server: String, keyId: String, reason: Reason) {
        self.server = server
        self.keyId = keyId
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .missingSignature: what = "no signature"
        case .malformedSignatures(let detail): what = "malformed signatures: \(detail)"
        case .badBase64: what = "the signature is not valid base64"
        case .wrongLength(let count): what = "the signature is \(count) bytes, not \(Ed25519.signatureLength)"
        case .mismatch: what = "the signature does not match"
        case .notCanonical(let detail): what = "the signed object is not canonical JSON: \(detail)"
        }
        return "signature of \(server) with \(keyId): \(what)"
    }
}
