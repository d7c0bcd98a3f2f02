import MatrixCore
import MyelinStorage

/// Password changes, deactivation and devices of a logged-in user.
public struct AccountService: Sendable {
    let context: AccountsContext
    let sessions: SessionService
    let registration: RegistrationService

    public init(context: AccountsContext, sessions: SessionService, registration: RegistrationService) {
        self.context = context
        self.sessions = sessions
        self.registration = registration
    }

    /// The flows offered to a logged-in user for sensitive operations.
    static let passwordFlows = [["m.login.password"]]

    public func changePassword(_ requester: Requester, newPassword: String, logoutDevices: Bool, auth: JSONValue?)
        async throws
    {
        try registration.checkPasswordPolicy(newPassword)
        let operation = UIAOperation.changePassword(
            userNid: requester.userNid, newPassword: newPassword, logoutDevices: logoutDevices)
        _ = try await context.uia.authenticate(
            auth: auth, operation: operation, flows: Self.passwordFlows, check: sessions.passwordStage(for: requester))
        let hash = try await context.hasher.hash(newPassword)
        try await context.users.setPasswordHash(userNid: requester.userNid, hash: hash)
        if logoutDevices {
            try await context.devices.deleteAll(userNid: requester.userNid, userId: requester.userId,
                                                except: requester.deviceId)
            await context.deviceListChanges.publish(requester.userId)
        }
    }

    /// `erase` (spec v1.10) also asks that the user's events be served redacted to those who come later and
    /// that their other data go (`AccountStore.deactivate`).
    public func deactivate(_ requester: Requester, auth: JSONValue?, erase: Bool = false) async throws {
        _ = try await context.uia.authenticate(
            auth: auth, operation: .deactivate(userNid: requester.userNid, erase: erase), flows: Self.passwordFlows,
            check: sessions.passwordStage(for: requester))
        try await context.users.deactivate(userNid: requester.userNid, userId: requester.userId, erase: erase,
                                           now: context.clock.nowMs())
        await context.deviceListChanges.publish(requester.userId)
        context.logger.notice("deactivated user", metadata: ["user": "\(requester.userId)", "erased": "\(erase)"])
    }

    public func devices(_ requester: Requester) async throws -> [DeviceRecord] {
        try await context.devices.devices(userNid: requester.userNid)
    }

    public func device(_ requester: Requester, deviceId: String) async throws -> DeviceRecord {
        guard let device = try await context.devices.device(userNid: requester.userNid, deviceId: deviceId) else {
            throw MatrixError.notFound("Unknown device")
        }
        return device
    }

    public func renameDevice(_ requester: Requester, deviceId: String, displayName: String?) async throws {
        guard let displayName else {
            // Nothing to change; the device must still exist.
            _ = try await device(requester, deviceId: deviceId)
            return
        }
        guard displayName.utf8.count <= 100 else {
            throw MatrixError.invalidParam("display_name is longer than 100 bytes")
        }
        guard try await context.devices.rename(userNid: requester.userNid, userId: requester.userId,
                                               deviceId: deviceId, displayName: displayName)
        else { throw MatrixError.notFound("Unknown device") }
        await context.deviceListChanges.publish(requester.userId)
    }

    /// `DELETE /devices/{deviceId}` after UIA; an unknown device is ignored.
    public func deleteDevice(_ requester: Requester, deviceId: String, auth: JSONValue?) async throws {
        try await delete(requester, deviceIds: [deviceId], auth: auth,
                         operation: .deleteDevice(userNid: requester.userNid, deviceId: deviceId))
    }

    /// `POST /delete_devices` after UIA; unknown device IDs are ignored, as the spec allows.
    public func deleteDevices(_ requester: Requester, deviceIds: [String], auth: JSONValue?) async throws {
        try await delete(requester, deviceIds: deviceIds, auth: auth,
                         operation: .deleteDevices(userNid: requester.userNid, deviceIds: deviceIds))
    }

    private func delete(_ requester: Requester, deviceIds: [String], auth: JSONValue?, operation: UIAOperation)
        async throws
    {
        _ = try await context.uia.authenticate(
            auth: auth, operation: operation, flows: Self.passwordFlows, check: sessions.passwordStage(for: requester))
        try await context.devices.delete(userNid: requester.userNid, userId: requester.userId, deviceIds: deviceIds)
        await context.deviceListChanges.publish(requester.userId)
    }

    public func issueLoginToken(_ requester: Requester, auth: JSONValue?) async throws -> (String, Int64) {
        _ = try await context.uia.authenticate(
            auth: auth, operation: .getLoginToken(userNid: requester.userNid), flows: Self.passwordFlows,
            check: sessions.passwordStage(for: requester))
        return try await sessions.issueLoginToken(for: requester)
    }
}
