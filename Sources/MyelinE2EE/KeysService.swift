import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `/keys/upload`, `/keys/query` and `/keys/claim` (client-server API, "End-to-End Encryption").
public struct KeysService: Sendable {
    let context: AccountsContext
    let store: E2EEKeyStore
    let remote: (any RemoteKeyQuerier)?

    public init(context: AccountsContext, store: E2EEKeyStore, remote: (any RemoteKeyQuerier)? = nil) {
        self.context = context
        self.store = store
        self.remote = remote
    }

    /// Stores the caller's device keys, one-time keys and fallback keys; returns the one-time key counts.
    public func upload(_ requester: Requester, deviceKeys: JSONValue?, oneTimeKeys: JSONValue?,
                       fallbackKeys: JSONValue?) async throws -> [String: Int] {
        var device: UploadedDeviceKeys?
        if let deviceKeys {
            device = try UploadedDeviceKeys(deviceKeys, userId: requester.userId, deviceId: requester.deviceId)
        }
        let existing = try await store.deviceKey(userNid: requester.userNid, deviceId: requester.deviceId)
        var signingKey = device?.signingKey
        if signingKey == nil, let existing, let object = KeyJSON.decode(existing) {
            signingKey = KeyJSON.ed25519Key(object, id: requester.deviceId)
        }
        var oneTime: [StoredOneTimeKey] = []
        if let oneTimeKeys {
            oneTime = try UploadedOneTimeKeys.parse(oneTimeKeys, field: "one_time_keys", userId: requester.userId,
                                                    deviceKey: signingKey)
        }
        var fallback: [StoredOneTimeKey] = []
        if let fallbackKeys {
            fallback = try UploadedOneTimeKeys.parse(fallbackKeys, field: "fallback_keys", userId: requester.userId,
                                                     deviceKey: signingKey)
            let algorithms = fallback.map(\.algorithm)
            guard Set(algorithms).count == algorithms.count else {
                throw MatrixError.badJSON("'fallback_keys' holds more than one key for an algorithm")
            }
        }
        let outcome: KeyUploadOutcome
        do {
            outcome = try await store.upload(
                userNid: requester.userNid, userId: requester.userId, deviceId: requester.deviceId,
                deviceKey: device?.stored, oneTimeKeys: oneTime,
                fallbackKeys: fallback)
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
        switch outcome {
        case .deviceKeyConflict:
            throw MatrixError.invalidParam(
                "Device \(requester.deviceId) already has different identity keys; they cannot be replaced")
        case .oneTimeKeyConflict(let keyId):
            throw MatrixError.invalidParam("One-time key \(keyId) already exists with a different value")
        case .stored(var counts):
            if device != nil, existing == nil { await context.deviceListChanges.publish(requester.userId) }
            // Clients read a missing count as zero; signed_curve25519 is always given, as Synapse does.
            if counts[UploadedOneTimeKeys.signedCurve25519] == nil { counts[UploadedOneTimeKeys.signedCurve25519] = 0 }
            return counts
        }
    }

    /// The device and cross-signing keys of the users in `deviceKeys` (user ID to device IDs, empty for
    /// all). Master and self-signing keys are public; a user-signing key is shown to its owner only, and
    /// signatures other users made are shown to whoever made them.
    public func query(_ requester: Requester, deviceKeys: JSONObject) async throws -> JSONObject {
        var devices: JSONObject = [:]
        var masters: JSONObject = [:]
        var selfSigning: JSONObject = [:]
        var userSigning: JSONObject = [:]
        var failures: JSONObject = [:]
        var remoteRequests: [String: [String: [String]]] = [:]
        for userId in deviceKeys.sortedKeys {
            guard case .array(let items)? = deviceKeys[userId], items.allSatisfy({ $0.stringValue != nil }) else {
                throw MatrixError.badJSON("'device_keys.\(userId)' must be an array of device IDs")
            }
            let deviceIds = items.compactMap(\.stringValue)
            switch try await KeyOwner.resolve(userId, context: context) {
            case .remote(let server):
                remoteRequests[server, default: [:]][userId] = deviceIds
            case .unknownLocal:
                devices[userId] = .object([:])
            case .local(let nid):
                let signatures = try await store.signatures(targetUserNid: nid, signers: [userId, requester.userId])
                var userDevices: JSONObject = [:]
                for row in try await store.deviceKeys(userNid: nid, deviceIds: deviceIds.isEmpty ? nil : deviceIds) {
                    guard let stored = KeyJSON.decode(row.json) else { continue }
                    var object = KeyJSON.merging(signatures, on: row.deviceId, into: stored)
                    if let name = row.displayName { object["unsigned"] = ["device_display_name": .string(name)] }
                    userDevices[row.deviceId] = .object(object)
                }
                devices[userId] = .object(userDevices)
                let crossSigning = try await store.crossSigningKeys(userNid: nid)
                func view(_ usage: CrossSigningKey.Usage) -> JSONValue? {
                    guard let key = crossSigning[usage.rawValue], let object = KeyJSON.decode(key.json) else { return nil }
                    return .object(KeyJSON.merging(signatures, on: key.publicKey, into: object))
                }
                masters[userId] = view(.master)
                selfSigning[userId] = view(.selfSigning)
                if userId == requester.userId { userSigning[userId] = view(.userSigning) }
            }
        }
        for server in remoteRequests.keys.sorted() {
            guard let request = remoteRequests[server] else { continue }
            guard let remote else {
                failures[server] = Self.unreachable(server)
                continue
            }
            do {
                let answer = try await remote.queryKeys(server: server, deviceKeys: request)
                for (userId, value) in answer["device_keys"]?.objectValue ?? [:] where request[userId] != nil {
                    devices[userId] = value
                }
                for (userId, value) in answer["master_keys"]?.objectValue ?? [:] where request[userId] != nil {
                    masters[userId] = value
                }
                for (userId, value) in answer["self_signing_keys"]?.objectValue ?? [:] where request[userId] != nil {
                    selfSigning[userId] = value
                }
            } catch {
                failures[server] = ["status": 503, "message": .string("\(error)")]
            }
        }
        return [
            "device_keys": .object(devices), "master_keys": .object(masters),
            "self_signing_keys": .object(selfSigning), "user_signing_keys": .object(userSigning),
            "failures": .object(failures),
        ]
    }

    /// Claims one key per requested (user, device, algorithm): a one-time key if one is left, else the
    /// device's fallback key for that algorithm (marked used, not removed).
    public func claim(_ requester: Requester, oneTimeKeys: JSONObject) async throws -> JSONObject {
        var requests: [(userNid: Int64, deviceId: String, algorithm: String)] = []
        var userIds: [Int64: String] = [:]
        var remoteRequests: [String: [String: [String: String]]] = [:]
        for userId in oneTimeKeys.sortedKeys {
            guard case .object(let wanted)? = oneTimeKeys[userId], wanted.allSatisfy({ $0.value.stringValue != nil })
            else { throw MatrixError.badJSON("'one_time_keys.\(userId)' must map device IDs to algorithms") }
            let byDevice = wanted.compactMapValues(\.stringValue)
            switch try await KeyOwner.resolve(userId, context: context) {
            case .remote(let server):
                remoteRequests[server, default: [:]][userId] = byDevice
            case .unknownLocal:
                continue
            case .local(let nid):
                userIds[nid] = userId
                for deviceId in byDevice.keys.sorted() {
                    if let algorithm = byDevice[deviceId] { requests.append((nid, deviceId, algorithm)) }
                }
            }
        }
        var result: [String: JSONObject] = [:]
        for key in try await store.claim(requests) {
            guard let userId = userIds[key.userNid], let value = try? JSONParser.parse(key.json) else { continue }
            var userKeys = result[userId] ?? [:]
            var deviceKeys = userKeys[key.deviceId]?.objectValue ?? [:]
            deviceKeys[key.keyId] = value
            userKeys[key.deviceId] = .object(deviceKeys)
            result[userId] = userKeys
        }
        var claimed = JSONObject(uniqueKeysWithValues: result.map { ($0.key, JSONValue.object($0.value)) })
        var failures: JSONObject = [:]
        for server in remoteRequests.keys.sorted() {
            guard let request = remoteRequests[server] else { continue }
            guard let remote else {
                failures[server] = Self.unreachable(server)
                continue
            }
            do {
                let answer = try await remote.claimKeys(server: server, oneTimeKeys: request)
                for (userId, value) in answer where request[userId] != nil { claimed[userId] = value }
            } catch {
                failures[server] = ["status": 503, "message": .string("\(error)")]
            }
        }
        return ["one_time_keys": .object(claimed), "failures": .object(failures)]
    }

    static func unreachable(_ server: String) -> JSONValue {
        ["status": 503, "message": .string("Cannot reach \(server): federation is not available")]
    }
}
