import MatrixCore
import MyelinStorage

/// The admin API over registration tokens, shaped like Synapse's
/// (`/_synapse/admin/v1/registration_tokens`), so existing admin tools work.
public struct RegistrationTokenAdmin: Sendable {
    let context: AccountsContext

    public init(context: AccountsContext) {
        self.context = context
    }

    public struct NewToken: Sendable {
        public var token: String?
        public var length: Int?
        public var usesAllowed: Int64?
        public var expiryTime: Int64?

        public init(token: String? = nil, length: Int? = nil, usesAllowed: Int64? = nil, expiryTime: Int64? = nil) {
            self.token = token
            self.length = length
            self.usesAllowed = usesAllowed
            self.expiryTime = expiryTime
        }
    }

    static let tokenAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-".utf8)

    public func list(valid: Bool?) async throws -> [RegistrationTokenRecord] {
        let all = try await context.registrationTokens.all()
        guard let valid else { return all }
        let now = context.clock.nowMs()
        return all.filter { $0.isValid(now: now) == valid }
    }

    public func create(_ request: NewToken) async throws -> RegistrationTokenRecord {
        try validateLimits(usesAllowed: request.usesAllowed, expiryTime: request.expiryTime)
        let token: String
        if let given = request.token {
            guard !given.isEmpty, given.utf8.count <= 64, given.utf8.allSatisfy(Self.tokenAlphabet.contains) else {
                throw MatrixError.invalidParam("token must be 1 to 64 characters of A-Z a-z 0-9 . _ ~ -")
            }
            token = given
        } else {
            let length = request.length ?? 16
            guard (1...64).contains(length) else { throw MatrixError.invalidParam("length must be from 1 to 64") }
            // Only the first 64 symbols (no '.', '~') for generated tokens: easy to read out loud.
            let letters = Array(Self.tokenAlphabet.prefix(62))
            token = String(decoding: Crypto.randomBytes(length).map { letters[Int($0) % letters.count] }, as: UTF8.self)
        }
        guard try await context.registrationTokens.create(
            token: token, usesAllowed: request.usesAllowed, expiryTime: request.expiryTime)
        else { throw MatrixError.invalidParam("Token already exists") }
        return RegistrationTokenRecord(token: token, usesAllowed: request.usesAllowed, pending: 0, completed: 0,
                                       expiryTime: request.expiryTime)
    }

    public func get(_ token: String) async throws -> RegistrationTokenRecord {
        guard let record = try await context.registrationTokens.get(token) else {
            throw MatrixError.notFound("No such registration token: \(token)")
        }
        return record
    }

    public func update(_ token: String, usesAllowed: Int64??, expiryTime: Int64??) async throws
        -> RegistrationTokenRecord
    {
        try validateLimits(usesAllowed: usesAllowed ?? nil, expiryTime: expiryTime ?? nil)
        guard let record = try await context.registrationTokens.update(
            token, usesAllowed: usesAllowed, expiryTime: expiryTime)
        else { throw MatrixError.notFound("No such registration token: \(token)") }
        return record
    }

    public func delete(_ token: String) async throws {
        guard try await context.registrationTokens.delete(token) else {
            throw MatrixError.notFound("No such registration token: \(token)")
        }
    }

    private func validateLimits(usesAllowed: Int64?, expiryTime: Int64?) throws {
        if let uses = usesAllowed, uses < 0 {
            throw MatrixError.invalidParam("uses_allowed must be a non-negative integer or null")
        }
        if let expiry = expiryTime, expiry < context.clock.nowMs() {
            throw MatrixError.invalidParam("expiry_time must not be in the past")
        }
    }
}
