import MatrixCore
import MyelinStorage

/// Upgrading a guest account through `/register` with `guest_access_token` (spec, "Guest access"): the
/// guest goes through the ordinary registration stages and keeps its user ID, rooms and devices; it gets a
/// password and stops being a guest.
extension RegistrationService {
    /// The guest account `token` belongs to. Any other token (unknown, expired, or a full user's) is refused
    /// with 403, as Synapse refuses a non-guest's; Synapse answers an unknown one with 401
    /// `M_UNKNOWN_TOKEN`, which on `/register` could make a client think its own session ended.
    func guest(presenting token: String) async throws -> RegistrationDraft.Guest {
        let refused = MatrixError.forbidden("guest_access_token is not the access token of a guest account")
        guard let owner = try await context.devices.owner(ofAccessTokenHash: SecretToken.hash(of: token)),
            owner.isGuest
        else { throw refused }
        if let expires = owner.expiresTs, expires <= context.clock.nowMs() { throw refused }
        return .init(userNid: owner.userNid, localpart: owner.localpart)
    }

    /// Makes the guest a full account with this password.
    func upgrade(_ guest: RegistrationDraft.Guest, passwordHash: String) async throws -> UserRecord {
        guard let user = try await context.users.upgradeGuest(userNid: guest.userNid, passwordHash: passwordHash)
        else { throw MatrixError.forbidden("The account is no longer a guest account") }
        return user
    }
}
