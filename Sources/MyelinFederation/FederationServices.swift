import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// Federation's services, wired once per server: what the federation routes call and what runs in the
/// background (the sender).
public struct FederationServices: Sendable {
    public let settings: FederationSettings
    /// Our keys, other servers' keys, the notary.
    public let keys: ServerKeyServices
    public let transport: any FederationTransport
    public let verifier: InboundRequestVerifier
    public let sender: FederationSender
    public let fetcher: MissingEventFetcher
    public let transactions: TransactionReceiver
    public let resident: ResidentMembership
    public let invites: InboundInvites
    /// The read side: `/event`, `/state`, `/state_ids`, `/event_auth`, `/backfill`, `/get_missing_events`.
    public let events: FederationEventService
    public let store: FederationStore
    /// The server's clock (stored timestamps use it; the transaction pruner compares with it).
    public let nowMs: @Sendable () -> Int64

    public init(settings: FederationSettings, transport: any FederationTransport, keys: ServerKeyServices,
                rooms: RoomService, database: MyelinDatabase, signingKey: SigningKey,
                isLocalUser: @escaping @Sendable (String) async -> Bool,
                nowMs: @escaping @Sendable () -> Int64, logger: Logger) {
        let serverName = rooms.pipeline.serverName
        self.settings = settings
        self.keys = keys
        self.nowMs = nowMs
        self.transport = transport
        let store = FederationStore(database: database)
        self.store = store
        verifier = InboundRequestVerifier(serverName: serverName.description, keys: keys.remoteKeys, nowMs: nowMs)
        let sender = FederationSender(store: store, transport: transport, serverName: serverName.description,
                                      settings: settings, nowMs: nowMs, logger: logger)
        self.sender = sender
        let fetcher = MissingEventFetcher(pipeline: rooms.pipeline, rooms: rooms.store, transport: transport,
                                          settings: settings, nowMs: nowMs, logger: logger)
        self.fetcher = fetcher
        transactions = TransactionReceiver(rooms: rooms, fetcher: fetcher, store: store, sender: sender,
                                           settings: settings, nowMs: nowMs, logger: logger)
        invites = InboundInvites(rooms: rooms, isLocalUser: isLocalUser)
        events = FederationEventService(store: rooms.store, pipeline: rooms.pipeline, serverName: serverName.description)
        resident = ResidentMembership(rooms: rooms, sender: sender, serverName: serverName, signingKey: signingKey,
                                      logger: logger)
    }
}
