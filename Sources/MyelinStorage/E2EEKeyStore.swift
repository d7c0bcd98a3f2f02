import FoundationEssentials
import GRDB

/// End-to-end encryption keys: device identity keys, one-time and fallback keys, cross-signing keys and
/// the signatures uploaded for them. JSON is kept as the canonical bytes the caller validated.
public struct E2EEKeyStore: Sendable {
    let database: MyelinDatabase
    /// An upload that would leave a device more unclaimed one-time keys throws `QuotaExceeded`.
    public let maxOneTimeKeysPerDevice: Int?

    public init(database: MyelinDatabase, maxOneTimeKeysPerDevice: Int? = nil) {
        self.database = database
        self.maxOneTimeKeysPerDevice = maxOneTimeKeysPerDevice
    }

    private func write(userNid: Int64, userId: String, deviceId: String, deviceKey: StoredDeviceKey?,
                       oneTimeKeys: [StoredOneTimeKey], fallbackKeys: [StoredOneTimeKey]) async throws
        -> KeyUploadOutcome
    {
        let maxOneTimeKeys = maxOneTimeKeysPerDevice
        return try await database.write { db in
            if let deviceKey {
                let existing = try Data.fetchOne(
                    db, sql: "SELECT identity FROM e2e_device_keys WHERE user_nid = ? AND device_id = ?",
                    arguments: [userNid, deviceId])
                if let existing {
                    guard [UInt8](existing) == deviceKey.identity else { return .deviceKeyConflict }
                } else {
                    try db.execute(
                        sql: "INSERT INTO e2e_device_keys (user_nid, device_id, key_json, identity) VALUES (?, ?, ?, ?)",
                        arguments: [userNid, deviceId, Data(deviceKey.json), Data(deviceKey.identity)])
                    try DeviceListStore.record(db, userIds: [userId])
                }
            }
            // This upload's place in the device's order (later than every key it still holds).
            let uploadSeq = oneTimeKeys.isEmpty ? 0 : try Int64.fetchOne(
                db, sql: "SELECT COALESCE(MAX(upload_seq), 0) + 1 FROM e2e_one_time_keys WHERE user_nid = ? AND device_id = ?",
                arguments: [userNid, deviceId]) ?? 1
            var added = 0
            for key in oneTimeKeys {
                let existing = try Data.fetchOne(
                    db,
                    sql: """
                        SELECT key_json FROM e2e_one_time_keys
                        WHERE user_nid = ? AND device_id = ? AND algorithm = ? AND key_id = ?
                        """,
                    arguments: [userNid, deviceId, key.algorithm, key.keyId])
                if let existing {
                    guard [UInt8](existing) == key.json else {
                        throw OneTimeKeyConflict(keyId: key.keyId)
                    }
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO e2e_one_time_keys (user_nid, device_id, algorithm, key_id, key_json, upload_seq)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [userNid, deviceId, key.algorithm, key.keyId, Data(key.json), uploadSeq])
                added += 1
            }
            for key in fallbackKeys {
                try db.execute(
                    sql: """
                        INSERT INTO e2e_fallback_keys (user_nid, device_id, algorithm, key_id, key_json, used)
                        VALUES (?, ?, ?, ?, ?, 0)
                        ON CONFLICT (user_nid, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id,
                            key_json = excluded.key_json, used = 0
                        """,
                    arguments: [userNid, deviceId, key.algorithm, key.keyId, Data(key.json)])
            }
            let counts = try Self.counts(db, userNid: userNid, deviceId: deviceId)
            // Checked after the inserts, so the throw rolls the whole upload back; an upload that adds no
            // key (device keys, fallback keys, a retry) always passes.
            if let max = maxOneTimeKeys, added > 0, counts.values.reduce(0, +) > max {
                throw QuotaExceeded(.full, what: "unclaimed one-time keys per device", limit: max)
            }
            return .stored(oneTimeKeyCounts: counts)
        }
    }

    /// Thrown inside the write to roll back keys stored earlier in the same upload.
    struct OneTimeKeyConflict: Error {
        let keyId: String
    }

    /// Stores a device's uploaded keys in one transaction. Identity keys are written once: the same keys
    /// again are accepted, different ones refused. A one-time key ID already taken by a different key is
    /// refused (and nothing is stored); fallback keys replace the previous one of their algorithm. New
    /// identity keys are a device list change.
    public func upload(userNid: Int64, userId: String, deviceId: String, deviceKey: StoredDeviceKey?,
                       oneTimeKeys: [StoredOneTimeKey], fallbackKeys: [StoredOneTimeKey]) async throws
        -> KeyUploadOutcome
    {
        do {
            return try await write(userNid: userNid, userId: userId, deviceId: deviceId, deviceKey: deviceKey,
                                    oneTimeKeys: oneTimeKeys, fallbackKeys: fallbackKeys)
        } catch let conflict as OneTimeKeyConflict {
            return .oneTimeKeyConflict(keyId: conflict.keyId)
        }
    }

    static func counts(_ db: Database, userNid: Int64, deviceId: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT algorithm, COUNT(*) AS n FROM e2e_one_time_keys WHERE user_nid = ? AND device_id = ?
                GROUP BY algorithm
                """),
            arguments: [userNid, deviceId])
        {
            counts[row["algorithm"]] = row["n"]
        }
        return counts
    }

    /// The algorithms of a device's fallback keys nobody has claimed yet (for `/sync`).
    static func unusedFallbackAlgorithms(_ db: Database, userNid: Int64, deviceId: String) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: """
                SELECT algorithm FROM e2e_fallback_keys WHERE user_nid = ? AND device_id = ? AND used = 0
                ORDER BY algorithm
                """),
            arguments: [userNid, deviceId])
    }

    public func deviceKey(userNid: Int64, deviceId: String) async throws -> [UInt8]? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT key_json FROM e2e_device_keys WHERE user_nid = ? AND device_id = ?",
                              arguments: [userNid, deviceId]).map { [UInt8]($0) }
        }
    }

    /// The device keys of a user's devices: all of them, or those named in `deviceIds`.
    public func deviceKeys(userNid: Int64, deviceIds: [String]?) async throws -> [DeviceKeyRow] {
        try await database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys k
                    JOIN devices d ON d.user_nid = k.user_nid AND d.device_id = k.device_id
                    WHERE k.user_nid = ? ORDER BY k.device_id
                    """,
                arguments: [userNid])
            let wanted = deviceIds.map(Set.init)
            return rows.compactMap { row -> DeviceKeyRow? in
                let deviceId: String = row["device_id"]
                if let wanted, !wanted.contains(deviceId) { return nil }
                let json: Data = row["key_json"]
                return DeviceKeyRow(deviceId: deviceId, json: [UInt8](json), displayName: row["display_name"])
            }
        }
    }

    /// Claims one key per (user, device, algorithm): a one-time key, removed, the earliest uploaded first
    /// (spec v1.13), or else the fallback key, kept and marked used. Requests with neither are left out of the answer.
    public func claim(_ requests: [(userNid: Int64, deviceId: String, algorithm: String)]) async throws -> [ClaimedKey] {
        let requests = requests.map { ClaimRequest(userNid: $0.userNid, deviceId: $0.deviceId, algorithm: $0.algorithm) }
        return try await database.write { db in
            var claimed: [ClaimedKey] = []
            for request in requests {
                let arguments: StatementArguments = [request.userNid, request.deviceId, request.algorithm]
                if let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT key_id, key_json FROM e2e_one_time_keys
                        WHERE user_nid = ? AND device_id = ? AND algorithm = ? ORDER BY upload_seq, key_id LIMIT 1
                        """,
                    arguments: arguments)
                {
                    let keyId: String = row["key_id"]
                    try db.execute(
                        sql: """
                            DELETE FROM e2e_one_time_keys
                            WHERE user_nid = ? AND device_id = ? AND algorithm = ? AND key_id = ?
                            """,
                        arguments: [request.userNid, request.deviceId, request.algorithm, keyId])
                    claimed.append(ClaimedKey(userNid: request.userNid, deviceId: request.deviceId, keyId: keyId,
                                              json: [UInt8](row["key_json"] as Data)))
                } else if let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT key_id, key_json FROM e2e_fallback_keys
                        WHERE user_nid = ? AND device_id = ? AND algorithm = ?
                        """,
                    arguments: arguments)
                {
                    try db.execute(
                        sql: "UPDATE e2e_fallback_keys SET used = 1 WHERE user_nid = ? AND device_id = ? AND algorithm = ?",
                        arguments: arguments)
                    claimed.append(ClaimedKey(userNid: request.userNid, deviceId: request.deviceId,
                                              keyId: row["key_id"], json: [UInt8](row["key_json"] as Data)))
                }
            }
            return claimed
        }
    }

    struct ClaimRequest: Sendable {
        let userNid: Int64
        let deviceId: String
        let algorithm: String
    }

    // MARK: Cross-signing

    public func crossSigningKeys(userNid: Int64) async throws -> [String: StoredCrossSigningKey] {
        try await database.read { db in
            var keys: [String: StoredCrossSigningKey] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT usage, public_key, key_json FROM e2e_cross_signing_keys WHERE user_nid = ?",
                arguments: [userNid])
            {
                let key = StoredCrossSigningKey(usage: row["usage"], publicKey: row["public_key"],
                                                json: [UInt8](row["key_json"] as Data))
                keys[key.usage] = key
            }
            return keys
        }
    }

    /// Stores cross-signing keys, replacing those of the same usage. `dropping` names usages to remove
    /// (the keys a replaced master key had signed). A device list change of the owner.
    public func putCrossSigningKeys(userNid: Int64, userId: String, keys: [StoredCrossSigningKey], dropping: [String])
        async throws
    {
        try await database.write { db in
            try DeviceListStore.record(db, userIds: [userId])
            for usage in dropping {
                try db.execute(sql: "DELETE FROM e2e_cross_signing_keys WHERE user_nid = ? AND usage = ?",
                               arguments: [userNid, usage])
            }
            for key in keys {
                try db.execute(
                    sql: """
                        INSERT INTO e2e_cross_signing_keys (user_nid, usage, public_key, key_json) VALUES (?, ?, ?, ?)
                        ON CONFLICT (user_nid, usage) DO UPDATE SET public_key = excluded.public_key,
                            key_json = excluded.key_json
                        """,
                    arguments: [userNid, key.usage, key.publicKey, Data(key.json)])
            }
        }
    }

    // MARK: Signatures

    /// Stores signatures; `changedUserIds` (whose keys gained them) get a device list change.
    public func addSignatures(_ signatures: [StoredSignature], changedUserIds: Set<String>) async throws {
        guard !signatures.isEmpty else { return }
        try await database.write { db in
            try DeviceListStore.record(db, userIds: changedUserIds)
            for signature in signatures {
                try db.execute(
                    sql: """
                        INSERT INTO e2e_signatures (target_user_nid, target_key_id, target_device_id, signer_user_id,
                            signer_key_id, signature) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (target_user_nid, target_key_id, signer_user_id, signer_key_id)
                        DO UPDATE SET signature = excluded.signature, target_device_id = excluded.target_device_id
                        """,
                    arguments: [signature.targetUserNid, signature.targetKeyId, signature.targetDeviceId,
                                signature.signerUserId, signature.signerKeyId, signature.signature])
            }
        }
    }

    /// Signatures on a user's keys made by `signers` (the owner, and the viewer: others' signatures are
    /// private to whoever made them).
    public func signatures(targetUserNid: Int64, signers: [String]) async throws -> [StoredSignature] {
        let signers = Array(Set(signers))
        guard !signers.isEmpty else { return [] }
        return try await database.read { db in
            let placeholders = Array(repeating: "?", count: signers.count).joined(separator: ", ")
            var arguments: StatementArguments = [targetUserNid]
            for signer in signers { arguments += [signer] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM e2e_signatures WHERE target_user_nid = ? AND signer_user_id IN (\(placeholders))
                    """,
                arguments: arguments
            ).map { row in
                StoredSignature(
                    targetUserNid: row["target_user_nid"], targetKeyId: row["target_key_id"],
                    targetDeviceId: row["target_device_id"], signerUserId: row["signer_user_id"],
                    signerKeyId: row["signer_key_id"], signature: row["signature"])
            }
        }
    }
}
