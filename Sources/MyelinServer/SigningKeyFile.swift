import FoundationEssentials
import MatrixCore
import MyelinAccounts

/// Loads the server's signing key, creating it on first use (mode 0600).
public enum SigningKeyFile {
    public struct KeyFileError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func loadOrCreate(at path: String) throws -> (key: SigningKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(at: path), false)
        }
        return (try create(at: path), true)
    }

    public static func load(at path: String) throws -> SigningKey {
        do {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            return try SigningKey(fileContents: text)
        } catch let error as SigningKey.FormatError {
            throw KeyFileError(description: "the signing key file \(path) is not valid: \(error.description)")
        }
    }

    /// Writes a new key; refuses to replace an existing file (a server that changes its key confuses
    /// every server that cached the old one).
    public static func create(at path: String) throws -> SigningKey {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw KeyFileError(description: "\(path) already exists; refusing to overwrite a signing key")
        }
        let version = "a_" + String(Base64.encode(Crypto.randomBytes(3), urlSafe: true).filter { $0 != "-" })
        let key = try SigningKey.generate(version: version,
                                          randomSeed: Crypto.randomBytes(32))
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let data = Data(key.fileContents.utf8)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw KeyFileError(description: "cannot write the signing key to \(path)") }
        return key
    }
}
