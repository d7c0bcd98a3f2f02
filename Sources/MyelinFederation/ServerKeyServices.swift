import Logging
import MatrixCore
import MyelinStorage

/// Server keys: ours (`/key/v2/server`), other servers' (the pipeline's and request verification's
/// `ServerKeyLookup`) and the notary (`/key/v2/query`), built once per server.
public struct ServerKeyServices: Sendable {
    /// Our keys: `GET /_matrix/key/v2/server`.
    public let localKeys: LocalServerKeys
    /// Other servers' keys (the room pipeline's `ServerKeyLookup`).
    public let remoteKeys: RemoteServerKeys
    /// `/_matrix/key/v2/query`.
    public let notary: KeyNotary
    /// What `GET /_matrix/federation/v1/version` reports.
    public let softwareName: String
    public let softwareVersion: String

    public init(localKeys: LocalServerKeys, remoteKeys: RemoteServerKeys, notary: KeyNotary,
                softwareName: String = "Myelin", softwareVersion: String) {
        self.localKeys = localKeys
        self.remoteKeys = remoteKeys
        self.notary = notary
        self.softwareName = softwareName
        self.softwareVersion = softwareVersion
    }

    /// Wires the key services over `database`, fetching through `transport`.
    public init(serverName: ServerName, signingKey: SigningKey, settings: FederationSettings,
                database: MyelinDatabase, transport: any FederationTransport, softwareVersion: String,
                keyLimits: RemoteServerKeys.Limits = .init(), nowMs: @escaping @Sendable () -> Int64,
                logger: Logger) throws(LocalServerKeys.ConfigurationError) {
        let local = try LocalServerKeys(serverName: serverName, signingKey: signingKey, settings: settings,
                                        nowMs: nowMs)
        let store = ServerKeyStore(database: database)
        let remote = RemoteServerKeys(local: local, store: store, transport: transport, settings: settings,
                                      limits: keyLimits, nowMs: nowMs, logger: logger)
        self.init(localKeys: local, remoteKeys: remote,
                  notary: KeyNotary(local: local, remote: remote, store: store, nowMs: nowMs, logger: logger),
                  softwareVersion: softwareVersion)
    }
}
