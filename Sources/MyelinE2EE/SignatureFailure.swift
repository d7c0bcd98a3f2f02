import MatrixCore

/// Why one signature of a `/keys/signatures/upload` was refused; reported under
/// `failures[user][key_id]` while the others are stored.
struct SignatureFailure: Error {
    let errcode: String
    let message: String

    static func invalid(_ message: String) -> SignatureFailure { SignatureFailure(errcode: "M_INVALID_SIGNATURE", message: message) }
    static func badJSON(_ message: String) -> SignatureFailure { SignatureFailure(errcode: "M_BAD_JSON", message: message) }
    static func notFound(_ message: String) -> SignatureFailure { SignatureFailure(errcode: "M_NOT_FOUND", message: message) }

    var json: JSONValue { ["errcode": .string(errcode), "error": .string(message)] }
}
