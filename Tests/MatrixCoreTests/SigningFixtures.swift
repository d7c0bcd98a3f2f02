import MatrixCore
import Testing

/// The key and helpers of the appendices' "Cryptographic Test Vectors".
enum SigningFixtures {
    static let serverName = "domain"

    static func key() throws -> SigningKey {
        let seed = try #require(Base64.decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"))
        return try SigningKey(version: "1", seed: seed)
    }

    static func server() throws -> ServerName { try ServerName(parsing: serverName) }

    /// Parses a JSON object written in a test.
    static func object(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
        try #require(try JSONParser.parse(text).objectValue, sourceLocation: sourceLocation)
    }

    static func canonical(_ object: JSONObject) throws -> String {
        try CanonicalJSON.string(.object(object))
    }
}
