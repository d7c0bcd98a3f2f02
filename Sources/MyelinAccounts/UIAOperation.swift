import MatrixCore

/// The request a user-interactive auth session was started for. A session authorises exactly one operation:
/// the endpoint (its method and path: each kind below is one endpoint, whichever prefix the client used), who
/// asks, and the body fields that change what the endpoint does. A request that presents a session started
/// for anything else is refused, so a password typed to delete device A can never delete device B.
///
/// Synapse binds a session to the method and URI only and merely logs a changed body; binding the body too
/// closes the same hole for `/delete_devices`, `/account/password` and the key upload.
public struct UIAOperation: Hashable, Sendable {
    public enum Kind: String, Sendable {
        /// `POST /register`.
        case register
        /// `POST /account/password`.
        case changePassword
        /// `POST /account/deactivate`.
        case deactivate
        /// `DELETE /devices/{deviceId}`.
        case deleteDevice
        /// `POST /delete_devices`.
        case deleteDevices
        /// `POST /login/get_token`.
        case getLoginToken
        /// `POST /keys/device_signing/upload`.
        case uploadCrossSigningKeys
    }

    public let kind: Kind
    /// The logged-in user; nil for registration, where nobody is.
    public let userNid: Int64?
    /// A keyed SHA-256 of the parameters that matter: a session holds 32 bytes whatever the body's size, and
    /// no password it was given.
    let parameters: [UInt8]

    init(_ kind: Kind, userNid: Int64?, parameters: [JSONValue]) {
        self.kind = kind
        self.userNid = userNid
        self.parameters = Self.digest(CanonicalJSON.encodeLenient(.array(parameters)))
    }

    /// `localpart` nil: a generated one. `guestNid`: the guest account being upgraded.
    public static func register(localpart: String?, upgradingGuest guestNid: Int64?) -> UIAOperation {
        UIAOperation(.register, userNid: nil, parameters: [
            localpart.map(JSONValue.string) ?? .null, guestNid.map(JSONValue.int) ?? .null,
        ])
    }

    public static func changePassword(userNid: Int64, newPassword: String, logoutDevices: Bool) -> UIAOperation {
        UIAOperation(.changePassword, userNid: userNid, parameters: [.string(newPassword), .bool(logoutDevices)])
    }

    public static func deactivate(userNid: Int64, erase: Bool) -> UIAOperation {
        UIAOperation(.deactivate, userNid: userNid, parameters: [.bool(erase)])
    }

    public static func deleteDevice(userNid: Int64, deviceId: String) -> UIAOperation {
        UIAOperation(.deleteDevice, userNid: userNid, parameters: [.string(deviceId)])
    }

    /// The devices as a set: their order and repeats do not change what is deleted.
    public static func deleteDevices(userNid: Int64, deviceIds: [String]) -> UIAOperation {
        UIAOperation(.deleteDevices, userNid: userNid,
                     parameters: Set(deviceIds).sorted().map(JSONValue.string))
    }

    public static func getLoginToken(userNid: Int64) -> UIAOperation {
        UIAOperation(.getLoginToken, userNid: userNid, parameters: [])
    }

    /// The keys as the client sent them (absent and null alike).
    public static func uploadCrossSigningKeys(userNid: Int64, master: JSONValue?, selfSigning: JSONValue?,
                                              userSigning: JSONValue?) -> UIAOperation {
        UIAOperation(.uploadCrossSigningKeys, userNid: userNid,
                     parameters: [master ?? .null, selfSigning ?? .null, userSigning ?? .null])
    }

    /// Keyed with a secret of this process, so the digests of short secrets (a new password) in memory
    /// cannot be matched against a list of guesses.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Crypto.sha256(processKey + bytes)
    }

    private static let processKey = Crypto.randomBytes(32)
}
