import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `/keys/signatures/upload`: signatures the caller made with its keys. A user signs their own devices
/// with their self-signing key, their own master key with one of their devices, and other users' master
/// keys with their user-signing key. Each signature is checked against the key it names; refusals are
/// reported per key and do not stop the others.
public struct SignatureUploadService: Sendable {
    let context: AccountsContext
    let store: E2EEKeyStore

    public init(context: AccountsContext, store: E2EEKeyStore) {
        self.context = context
        self.store = store
    }

    /// Stores the valid signatures; returns `failures` (user ID to key ID to error).
    public func upload(_ requester: Requester, signatures body: JSONObject) async throws -> JSONObject {
        let ownKeys = try await store.crossSigningKeys(userNid: requester.userNid)
        let own = Dictionary(uniqueKeysWithValues: ownKeys.values.compactMap(CrossSigningKey.init(stored:))
            .map { ($0.usage, $0) })
        var accepted: [StoredSignature] = []
        var changedUsers: Set<String> = []
        var failures: JSONObject = [:]
        for targetUserId in body.sortedKeys {
            guard case .object(let keys)? = body[targetUserId] else {
                throw MatrixError.badJSON("'\(targetUserId)' must map key IDs to signed objects")
            }
            var userFailures: JSONObject = [:]
            for keyId in keys.sortedKeys {
                guard let value = keys[keyId] else { continue }
                do {
                    let signatures = try await check(requester, own: own, targetUserId: targetUserId, keyId: keyId,
                                                     value: value)
                    accepted += signatures
                    changedUsers.insert(targetUserId)
                } catch let failure as SignatureFailure {
                    userFailures[keyId] = failure.json
                }
            }
            if !userFailures.isEmpty { failures[targetUserId] = .object(userFailures) }
        }
        try await store.addSignatures(accepted, changedUserIds: changedUsers)
        for userId in changedUsers.sorted() { await context.deviceListChanges.publish(userId) }
        return failures
    }

    private func check(_ requester: Requester, own: [CrossSigningKey.Usage: CrossSigningKey], targetUserId: String,
                       keyId: String, value: JSONValue) async throws -> [StoredSignature] {
        guard case .object(let submitted) = value else {
            throw SignatureFailure.badJSON("The signed key must be an object, not \(value.typeName)")
        }
        guard case .object(let made)? = submitted["signatures"]?[requester.userId],
            made.allSatisfy({ $0.value.stringValue != nil })
        else { throw SignatureFailure.badJSON("No signatures by \(requester.userId) in the signed key") }
        let signatures = made.compactMapValues(\.stringValue)
        let targetNid: Int64
        switch try await KeyOwner.resolve(targetUserId, context: context) {
        case .local(let nid): targetNid = nid
        case .unknownLocal: throw SignatureFailure.notFound("Unknown user \(targetUserId)")
        case .remote: throw SignatureFailure.notFound("Keys of \(targetUserId) are not known to this server")
        }
        if targetUserId == requester.userId {
            if let deviceKey = try await store.deviceKey(userNid: targetNid, deviceId: keyId),
                let stored = KeyJSON.decode(deviceKey)
            {
                guard let selfSigning = own[.selfSigning] else {
                    throw SignatureFailure.notFound("You have no self-signing key to sign devices with")
                }
                let signature = try verify(signatures, by: requester.userId, key: selfSigning.verifyKey, on: stored)
                return [StoredSignature(targetUserNid: targetNid, targetKeyId: keyId, targetDeviceId: keyId,
                                        signerUserId: requester.userId, signerKeyId: selfSigning.verifyKey.keyId,
                                        signature: signature)]
            }
            guard let master = own[.master], master.publicKey == keyId else {
                throw SignatureFailure.notFound("No device or master key \(keyId)")
            }
            return try await deviceSignaturesOnMaster(requester, master: master, signatures: signatures)
        }
        guard let userSigning = own[.userSigning] else {
            throw SignatureFailure.notFound("You have no user-signing key to sign other users with")
        }
        let theirs = try await store.crossSigningKeys(userNid: targetNid)
        guard let master = theirs[CrossSigningKey.Usage.master.rawValue].flatMap(CrossSigningKey.init(stored:)),
            master.publicKey == keyId
        else { throw SignatureFailure.notFound("\(keyId) is not the master key of \(targetUserId)") }
        let signature = try verify(signatures, by: requester.userId, key: userSigning.verifyKey, on: master.object)
        return [StoredSignature(targetUserNid: targetNid, targetKeyId: keyId, targetDeviceId: nil,
                                signerUserId: requester.userId, signerKeyId: userSigning.verifyKey.keyId,
                                signature: signature)]
    }

    /// The caller's own master key, signed by one or more of the caller's devices.
    private func deviceSignaturesOnMaster(_ requester: Requester, master: CrossSigningKey,
                                          signatures: [String: String]) async throws -> [StoredSignature] {
        var valid: [StoredSignature] = []
        var lastFailure = SignatureFailure.invalid("The master key is not signed by any of your devices")
        for signerKeyId in signatures.keys.sorted() where signerKeyId.hasPrefix("ed25519:") {
            let deviceId = String(signerKeyId.dropFirst("ed25519:".count))
            guard deviceId != master.publicKey,
                let deviceKey = try await store.deviceKey(userNid: requester.userNid, deviceId: deviceId),
                let deviceObject = KeyJSON.decode(deviceKey), let key = KeyJSON.ed25519Key(deviceObject, id: deviceId)
            else { continue }
            do {
                let signature = try verify(signatures, by: requester.userId, key: key, on: master.object)
                valid.append(StoredSignature(targetUserNid: requester.userNid, targetKeyId: master.publicKey,
                                             targetDeviceId: nil, signerUserId: requester.userId,
                                             signerKeyId: signerKeyId, signature: signature))
            } catch let failure as SignatureFailure {
                lastFailure = failure
            }
        }
        guard !valid.isEmpty else { throw lastFailure }
        return valid
    }

    /// Checks the signature made with `key` over the stored key object (so the content must be what was
    /// stored); returns the signature.
    private func verify(_ signatures: [String: String], by signer: String, key: VerifyKey, on stored: JSONObject)
        throws -> String
    {
        guard let signature = signatures[key.keyId] else {
            throw SignatureFailure.invalid("Not signed with \(key.keyId)")
        }
        let candidate = KeyJSON.adding(signature: signature, by: signer, keyId: key.keyId, to: stored)
        do {
            try JSONSigning.verify(candidate, signedBy: signer, with: key)
        } catch {
            throw SignatureFailure.invalid("Invalid signature by \(key.keyId): \(error.description)")
        }
        return signature
    }
}
