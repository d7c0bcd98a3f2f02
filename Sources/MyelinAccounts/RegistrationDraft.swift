import MatrixCore

/// What the calls of one `/register` session asked for, kept with the session so that a later call may send
/// only `auth` (as Synapse allows): the first call names the account, later ones may leave anything out.
///
/// Who the account is (its localpart, the guest being upgraded) is fixed by the first call: a later call
/// naming another is a different operation (`UIAOperation.register`). The login details (password, device,
/// `inhibit_login`, `refresh_token`) may be given again; the latest given wins.
///
/// Each field is bounded (validated username and device ID, a display name of at most 100 bytes, a password
/// hash), so the sessions a stranger can open hold a bounded amount of memory.
public struct RegistrationDraft: Sendable {
    /// The account being upgraded by `guest_access_token`.
    struct Guest: Sendable, Equatable {
        let userNid: Int64
        let localpart: String
    }

    /// The argon2id hash to give the account, and a keyed digest of the password it came from, so the same
    /// password sent again is recognised without paying for another hash.
    struct Password: Sendable {
        let hash: String
        let digest: [UInt8]
    }

    /// Nil: a generated numeric localpart.
    var localpart: String?
    var guest: Guest?
    var password: Password?
    var deviceId: String?
    var initialDeviceDisplayName: String?
    var wantsRefreshToken: Bool?
    var inhibitLogin: Bool?

    var operation: UIAOperation { .register(localpart: localpart, upgradingGuest: guest?.userNid) }

    var device: SessionService.DeviceRequest {
        .init(deviceId: deviceId, initialDisplayName: initialDeviceDisplayName,
              wantsRefreshToken: wantsRefreshToken ?? false)
    }

    /// Synapse refuses longer initial display names too (its `MAX_DEVICE_DISPLAY_NAME_LEN`).
    static let maxDisplayNameBytes = 100
}

extension RegistrationService {
    /// This call's parameters over what the session remembers: validated, the password hashed (once per
    /// distinct password), the guest token resolved to its account.
    func draft(for request: Request, over remembered: RegistrationDraft?) async throws -> RegistrationDraft {
        var draft = remembered ?? RegistrationDraft()
        if let token = request.guestAccessToken {
            draft.guest = try await guest(presenting: token)
        }
        if let username = request.username {
            if let guest = draft.guest {
                // The spec has the client name the guest's own localpart; another name is not an upgrade.
                guard username.lowercased() == guest.localpart else {
                    throw MatrixError.forbidden("The username is not that of the guest account being upgraded")
                }
                draft.localpart = guest.localpart
            } else {
                let localpart = try validateNewLocalpart(username)
                // Refuse a taken name before the client goes through the auth stages.
                if try await context.users.exists(localpart: localpart) { throw MatrixError.userInUse() }
                draft.localpart = localpart
            }
        } else if remembered == nil, let guest = draft.guest {
            // No username: the guest keeps its generated one (Synapse would make a new account instead).
            draft.localpart = guest.localpart
        }
        if let password = request.password {
            try checkPasswordPolicy(password)
            let digest = UIAOperation.digest(Array(password.utf8))
            if let known = draft.password, Crypto.constantTimeEqual(known.digest, digest) {
                // The same password again: keep its hash.
            } else {
                draft.password = .init(hash: try await context.hasher.hash(password), digest: digest)
            }
        }
        if let deviceId = request.deviceId { draft.deviceId = deviceId }
        if let name = request.initialDeviceDisplayName {
            guard name.utf8.count <= RegistrationDraft.maxDisplayNameBytes else {
                throw MatrixError.invalidParam(
                    "initial_device_display_name is longer than \(RegistrationDraft.maxDisplayNameBytes) bytes")
            }
            draft.initialDeviceDisplayName = name
        }
        if let wantsRefreshToken = request.wantsRefreshToken { draft.wantsRefreshToken = wantsRefreshToken }
        if let inhibitLogin = request.inhibitLogin { draft.inhibitLogin = inhibitLogin }
        return draft
    }
}
