import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Server-side key backups (client-server API, "Server-side key backups"). Everything is per user: another
/// user's versions and keys do not exist as far as a caller can tell.
public struct KeyBackupService: Sendable {
    let store: KeyBackupStore

    public init(store: KeyBackupStore) {
        self.store = store
    }

    /// `POST /room_keys/version`: the new version's number, as a string.
    public func createVersion(_ requester: Requester, body: JSONValue) async throws -> String {
        let request = try BackupVersionBody(body)
        let version = try await store.createVersion(
            userNid: requester.userNid, algorithm: request.algorithm,
            authData: CanonicalJSON.encodeLenient(.object(request.authData)))
        return String(version)
    }

    /// `GET /room_keys/version[/{version}]`: a live version, or the latest when `version` is nil.
    public func version(_ requester: Requester, version: String?) async throws -> KeyBackupVersionRecord {
        if let version {
            guard let number = Self.number(version),
                let record = try await store.version(userNid: requester.userNid, version: number)
            else { throw MatrixError.notFound("Unknown backup version \(version)") }
            return record
        }
        guard let record = try await store.version(userNid: requester.userNid, version: nil) else {
            throw MatrixError.notFound("No current backup version")
        }
        return record
    }

    /// `PUT /room_keys/version/{version}`: replaces `auth_data`; the algorithm cannot change.
    public func updateVersion(_ requester: Requester, version: String, body: JSONValue) async throws {
        let request = try BackupVersionBody(body)
        if let bodyVersion = request.version, bodyVersion != version {
            throw MatrixError.invalidParam("The version in the body (\(bodyVersion)) does not match the path (\(version))")
        }
        let record = try await self.version(requester, version: version)
        guard record.algorithm == request.algorithm else {
            throw MatrixError.invalidParam(
                "Algorithm does not match: backup \(version) uses \(record.algorithm), not \(request.algorithm)")
        }
        guard try await store.updateAuthData(
            userNid: requester.userNid, version: record.version,
            authData: CanonicalJSON.encodeLenient(.object(request.authData)))
        else { throw MatrixError.notFound("Unknown backup version \(version)") }
    }

    /// `DELETE /room_keys/version/{version}`: the version and its keys go; deleting it again succeeds.
    public func deleteVersion(_ requester: Requester, version: String) async throws {
        guard let number = Self.number(version),
            try await store.deleteVersion(userNid: requester.userNid, version: number) != .notFound
        else { throw MatrixError.notFound("Unknown backup version \(version)") }
    }

    /// `PUT /room_keys/keys…`: only into the current version; existing sessions follow `RoomKeyReplacement`.
    public func putKeys(_ requester: Requester, version: String?, scope: RoomKeyScope, body: JSONValue)
        async throws -> KeyBackupCounts
    {
        let version = try Self.required(version)
        let keys = try RoomKeysBody.keys(body, scope: scope)
        let outcome = try await store.putKeys(
            userNid: requester.userNid, version: Self.number(version), keys: keys,
            shouldReplace: { existing, new in RoomKeyReplacement.shouldReplace(existing: existing, with: new) })
        switch outcome {
        case .stored(let counts):
            return counts
        case .notCurrent(current: nil):
            throw MatrixError.notFound("No current backup version; cannot store keys in version \(version)")
        case .notCurrent(current: let current?):
            throw MatrixError(
                "M_WRONG_ROOM_KEYS_VERSION", "Version \(version) is not the current backup version (\(current))",
                status: 403, extra: ["current_version": .string(String(current))])
        }
    }

    /// `GET /room_keys/keys…`: the stored keys of a live version in the shape of `scope`.
    public func keys(_ requester: Requester, version: String?, scope: RoomKeyScope) async throws -> JSONValue {
        let version = try Self.required(version)
        guard let number = Self.number(version),
            let keys = try await store.keys(
                userNid: requester.userNid, version: number, roomId: scope.roomId, sessionId: scope.sessionId)
        else { throw MatrixError.notFound("Unknown backup version \(version)") }
        guard let json = try KeyBackupJSON.keys(keys, scope: scope) else {
            throw MatrixError.notFound("No key for that session in backup version \(version)")
        }
        return json
    }

    /// `DELETE /room_keys/keys…`: removes the keys `scope` addresses from a live version.
    public func deleteKeys(_ requester: Requester, version: String?, scope: RoomKeyScope) async throws
        -> KeyBackupCounts
    {
        let version = try Self.required(version)
        guard let number = Self.number(version),
            let counts = try await store.deleteKeys(
                userNid: requester.userNid, version: number, roomId: scope.roomId, sessionId: scope.sessionId)
        else { throw MatrixError.notFound("Unknown backup version \(version)") }
        return counts
    }

    private static func required(_ version: String?) throws(MatrixError) -> String {
        guard let version else { throw MatrixError.missingParam("The 'version' query parameter is required") }
        return version
    }

    /// Version strings are the decimal numbers this server hands out; anything else names no version.
    static func number(_ version: String) -> Int64? {
        guard let number = Int64(version), number > 0, String(number) == version else { return nil }
        return number
    }
}
