import CSodium
import NIOPosix

/// argon2id password hashing (libsodium's `crypto_pwhash_str`, which stores its parameters in the hash so
/// they can be raised later). Hashing is deliberately slow and memory-hungry, so it runs on its own small
/// thread pool: it never blocks the cooperative pool, and at most `threads` hashes hold their memory at once.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// argon2id passes (t).
        public var opsLimit: Int
        /// argon2id memory in KiB (m).
        public var memoryKiB: Int

        public init(opsLimit: Int, memoryKiB: Int) {
            self.opsLimit = opsLimit
            self.memoryKiB = memoryKiB
        }

        /// t=2, m=19 MiB: OWASP's argon2id floor, affordable on a Pi (see the closing notes for figures).
        public static let standard = Parameters(opsLimit: 2, memoryKiB: 19 * 1024)
        /// For tests: the cheapest parameters libsodium accepts.
        public static let minimal = Parameters(
            opsLimit: Int(crypto_pwhash_OPSLIMIT_MIN), memoryKiB: Int(crypto_pwhash_MEMLIMIT_MIN) / 1024)
    }

    public enum HashError: Error, CustomStringConvertible {
        case outOfMemory
        public var description: String { "argon2id could not allocate its memory" }
    }

    public let parameters: Parameters
    private let pool: NIOThreadPool

    public init(parameters: Parameters, threads: Int = 1) {
        Crypto.ensureInitialized()
        self.parameters = parameters
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    public func hash(_ password: String) async throws -> String {
        let params = parameters
        return try await pool.runIfActive { try Self.hashNow(password, params) }
    }

    /// Verifies and reports whether the stored hash uses weaker parameters than the current ones.
    public func verify(_ password: String, against stored: String) async throws -> (ok: Bool, needsRehash: Bool) {
        let params = parameters
        return try await pool.runIfActive {
            let ok = Self.verifyNow(password, stored)
            let rehash = ok && Self.needsRehash(stored, params)
            return (ok, rehash)
        }
    }

    static func hashNow(_ password: String, _ params: Parameters) throws -> String {
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let (bytes, length) = cBytes(password)
        let rc = crypto_pwhash_str_alg(
            &out, bytes, UInt64(length), UInt64(params.opsLimit), params.memoryKiB * 1024, crypto_pwhash_ALG_ARGON2ID13)
        guard rc == 0 else { throw HashError.outOfMemory }
        return String(decoding: out.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }

    static func verifyNow(_ password: String, _ stored: String) -> Bool {
        let (bytes, length) = cBytes(password)
        var storedC = Array(stored.utf8CString)
        guard storedC.count <= Int(crypto_pwhash_STRBYTES) else { return false }
        storedC += [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES) - storedC.count)
        return crypto_pwhash_str_verify(storedC, bytes, UInt64(length)) == 0
    }

    /// The password's bytes with a trailing NUL, so even an empty password has an address; the length
    /// excludes the NUL (a password may itself contain NUL bytes).
    private static func cBytes(_ password: String) -> ([CChar], Int) {
        let bytes = password.utf8.map { CChar(bitPattern: $0) }
        return (bytes + [0], bytes.count)
    }

    static func needsRehash(_ stored: String, _ params: Parameters) -> Bool {
        var storedC = Array(stored.utf8CString)
        guard storedC.count <= Int(crypto_pwhash_STRBYTES) else { return true }
        storedC += [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES) - storedC.count)
        return crypto_pwhash_str_needs_rehash(storedC, UInt64(params.opsLimit), params.memoryKiB * 1024) != 0
    }
}
