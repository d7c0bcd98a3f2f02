import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `/keys/device_signing/upload`: a user's master, self-signing and user-signing keys. The first upload
/// needs no user-interactive auth; replacing keys does.
public struct CrossSigningService: Sendable {
    let context: AccountsContext
    let store: E2EEKeyStore
    let sessions: SessionService

    public init(context: AccountsContext, store: E2EEKeyStore, sessions: SessionService) {
        self.context = context
        self.store = store
        self.sessions = sessions
    }

    static let flows = [["m.login.password"]]

    public func uploadKeys(_ requester: Requester, master: JSONValue?, selfSigning: JSONValue?,
                           userSigning: JSONValue?, auth: JSONValue?) async throws {
        let userId = requester.userId
        let existing = try await store.crossSigningKeys(userNid: requester.userNid)
        let existingMaster = existing[CrossSigningKey.Usage.master.rawValue].flatMap(CrossSigningKey.init(stored:))
        var uploaded: [CrossSigningKey] = []
        var newMaster: CrossSigningKey?
        if let master {
            newMaster = try CrossSigningKey(master, field: "master_key", usage: .master, userId: userId)
        }
        if let newMaster { uploaded.append(newMaster) }
        let signer = newMaster ?? existingMaster
        for (value, field, usage) in [(selfSigning, "self_signing_key", CrossSigningKey.Usage.selfSigning),
                                      (userSigning, "user_signing_key", .userSigning)] {
            guard let value else { continue }
            let key = try CrossSigningKey(value, field: field, usage: usage, userId: userId)
            guard let signer else { throw MatrixError.missingParam("No master signing key is available") }
            try key.checkSigned(by: signer, userId: userId, field: field)
            uploaded.append(key)
        }
        // Device IDs and cross-signing public keys share a namespace in verification messages.
        let deviceIds = Set(try await context.devices.devices(userNid: requester.userNid).map(\.deviceId))
        if let clash = uploaded.first(where: { deviceIds.contains($0.publicKey) }) {
            throw MatrixError.forbidden("Key ID in use: \(clash.publicKey) is one of your device IDs")
        }
        if existingMaster != nil {
            _ = try await context.uia.authenticate(
                auth: auth,
                operation: .uploadCrossSigningKeys(userNid: requester.userNid, master: master,
                                                   selfSigning: selfSigning, userSigning: userSigning),
                flows: Self.flows, check: sessions.passwordStage(for: requester))
        }
        guard !uploaded.isEmpty else { return }
        // A new master key invalidates the keys the old one signed, unless they come again now.
        var dropping: [String] = []
        if let newMaster, let existingMaster, newMaster.publicKey != existingMaster.publicKey {
            dropping = [CrossSigningKey.Usage.selfSigning, .userSigning].map(\.rawValue)
                .filter { usage in !uploaded.contains { $0.usage.rawValue == usage } }
        }
        var stored: [StoredCrossSigningKey] = []
        for key in uploaded { stored.append(try key.stored(field: "\(key.usage.rawValue)_key")) }
        try await store.putCrossSigningKeys(userNid: requester.userNid, userId: userId, keys: stored,
                                            dropping: dropping)
        await context.deviceListChanges.publish(userId)
    }
}
