import FoundationEssentials
import GRDB

/// Send-to-device messages waiting for their device. A message is deleted once the device syncs with a
/// token past it (the client has it then), or with the device.
public struct ToDeviceStore: Sendable {
    let database: MyelinDatabase
    /// The recipient user NIDs of every stored batch, after it commits (wakes their syncs).
    public let changes: ChangeFeed<Int64>

    /// Caps on message size and on each device's inbox.
    public let quota: ToDeviceQuota
    /// Transaction IDs remembered per sending device, the latest ones: enough for any client's retries,
    /// and the table no longer grows by a row per request forever.
    let rememberedTransactions: Int64

    public init(database: MyelinDatabase, changes: ChangeFeed<Int64> = ChangeFeed(), quota: ToDeviceQuota = .unlimited,
                rememberedTransactions: Int = 1000) {
        self.database = database
        self.changes = changes
        self.quota = quota
        self.rememberedTransactions = Int64(max(1, rememberedTransactions))
    }

    /// One message for one device, or for every device of the user (`deviceId` nil, the spec's `*`).
    public struct Outgoing: Sendable {
        public let userNid: Int64
        public let deviceId: String?
        public let content: [UInt8]

        public init(userNid: Int64, deviceId: String?, content: [UInt8]) {
            self.userNid = userNid
            self.deviceId = deviceId
            self.content = content
        }
    }

    /// What a send did.
    public struct SendResult: Sendable, Equatable {
        /// False when the sending device had already used the transaction ID (nothing was queued).
        public var isNew: Bool
        /// Messages stored, one per receiving device.
        public var queued: Int
        /// Receiving devices whose inbox was full (`ToDeviceQuota`): their message was dropped.
        public var skippedFull: [DeviceRef]
    }

    /// A device of a local user.
    public struct DeviceRef: Sendable, Hashable {
        public let userNid: Int64
        public let deviceId: String

        public init(userNid: Int64, deviceId: String) {
            self.userNid = userNid
            self.deviceId = deviceId
        }
    }

    /// Queues `messages` unless the sending device already used `txnId`. Devices that do not exist are
    /// skipped, as the spec has them silently dropped; so are devices whose inbox is full. A message whose
    /// content is over `quota.maxMessageBytes` throws `QuotaExceeded` and nothing is queued.
    ///
    /// Why skip a full device rather than refuse the request: an inbox only fills when its device stops
    /// syncing (or is flooded), and refusing would let one abandoned device block an Olm key share to
    /// every other device in a room. Synapse has no such cap; it keeps every message until delivery.
    @discardableResult
    public func send(senderNid: Int64, senderDeviceId: String, sender: String, txnId: String, type: String,
                     messages: [Outgoing]) async throws -> SendResult
    {
        if let max = quota.maxMessageBytes, messages.contains(where: { $0.content.count > max }) {
            throw QuotaExceeded(.tooLarge, what: "bytes per to-device message content", limit: max)
        }
        let quota = quota
        let remembered = rememberedTransactions
        let (result, recipients) = try await database.write { db -> (SendResult, Set<Int64>) in
            let seq = try Int64.fetchOne(
                db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM to_device_txns WHERE user_nid = ? AND device_id = ?",
                arguments: [senderNid, senderDeviceId]) ?? 1
            try db.execute(
                sql: "INSERT OR IGNORE INTO to_device_txns (user_nid, device_id, txn_id, seq) VALUES (?, ?, ?, ?)",
                arguments: [senderNid, senderDeviceId, txnId, seq])
            guard db.changesCount > 0 else { return (SendResult(isNew: false, queued: 0, skippedFull: []), []) }
            try db.execute(
                sql: "DELETE FROM to_device_txns WHERE user_nid = ? AND device_id = ? AND seq <= ?",
                arguments: [senderNid, senderDeviceId, seq - remembered])
            var result = SendResult(isNew: true, queued: 0, skippedFull: [])
            var recipients: Set<Int64> = []
            for message in messages {
                let content = Data(message.content)
                let deviceIds: [String]
                if let deviceId = message.deviceId {
                    deviceIds = try String.fetchAll(
                        db, sql: "SELECT device_id FROM devices WHERE user_nid = ? AND device_id = ?",
                        arguments: [message.userNid, deviceId])
                } else {
                    deviceIds = try String.fetchAll(
                        db, sql: "SELECT device_id FROM devices WHERE user_nid = ? ORDER BY device_id",
                        arguments: [message.userNid])
                }
                for deviceId in deviceIds {
                    let device = DeviceRef(userNid: message.userNid, deviceId: deviceId)
                    guard try Self.inboxHasRoom(db, quota, device, adding: content.count) else {
                        result.skippedFull.append(device)
                        continue
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO to_device_messages (user_nid, device_id, sender, type, content)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [message.userNid, deviceId, sender, type, content])
                    result.queued += 1
                    recipients.insert(message.userNid)
                }
            }
            return (result, recipients)
        }
        if !recipients.isEmpty { await changes.send(recipients.sorted()) }
        return result
    }

    /// Whether `device` can take one more message of `bytes` under `quota`. Cheap in the common case: a
    /// device that syncs holds a handful of messages.
    static func inboxHasRoom(_ db: Database, _ quota: ToDeviceQuota, _ device: DeviceRef, adding bytes: Int) throws
        -> Bool
    {
        guard quota.maxPendingPerDevice != nil || quota.maxPendingBytesPerDevice != nil else { return true }
        let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT COUNT(*) AS messages, COALESCE(SUM(length(content)), 0) AS bytes
                FROM to_device_messages WHERE user_nid = ? AND device_id = ?
                """),
            arguments: [device.userNid, device.deviceId])
        let messages: Int = row?["messages"] ?? 0
        let stored: Int = row?["bytes"] ?? 0
        if let max = quota.maxPendingPerDevice, messages >= max { return false }
        if let max = quota.maxPendingBytesPerDevice, stored + bytes > max { return false }
        return true
    }

    /// Messages for a device in (after, upTo], oldest first, at most `limit`; and whether messages at or
    /// before `after` are still stored (the client has them: `acknowledge` deletes them).
    static func pending(_ db: Database, userNid: Int64, deviceId: String, after: Int64, upTo: Int64, limit: Int)
        throws -> (messages: [ToDeviceMessage], hasAcknowledged: Bool)
    {
        do {
            let messages = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT stream_pos, sender, type, content FROM to_device_messages
                    WHERE user_nid = ? AND device_id = ? AND stream_pos > ? AND stream_pos <= ?
                    ORDER BY stream_pos LIMIT ?
                    """),
                arguments: [userNid, deviceId, after, upTo, limit]
            ).map { row in
                ToDeviceMessage(position: row["stream_pos"], sender: row["sender"], type: row["type"],
                                content: [UInt8](row["content"] as Data))
            }
            let acknowledged = after > 0 ? try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM to_device_messages
                                   WHERE user_nid = ? AND device_id = ? AND stream_pos <= ?)
                    """),
                arguments: [userNid, deviceId, after]) ?? false : false
            return (messages, acknowledged)
        }
    }

    /// Deletes a device's messages at or before `upTo`: a sync from a token that far shows the client
    /// received them.
    public func acknowledge(userNid: Int64, deviceId: String, upTo: Int64) async throws {
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM to_device_messages WHERE user_nid = ? AND device_id = ? AND stream_pos <= ?",
                arguments: [userNid, deviceId, upTo])
        }
    }
}

public struct ToDeviceMessage: Sendable, Equatable {
    public let position: Int64
    public let sender: String
    public let type: String
    /// The content JSON as the sender gave it (validated).
    public let content: [UInt8]
}
