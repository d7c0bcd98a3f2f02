import FoundationEssentials
import GRDB

/// Send-to-device messages waiting for their device. A message is deleted once the device syncs with a
/// token past it (the client has it then), or with the device.
public struct ToDeviceStore: Sendable {
    let database: MyelinDatabase
    /// The recipient user NIDs of every stored batch, after it commits (wakes their syncs).
    public let changes: ChangeFeed<Int64>

    public init(database: MyelinDatabase, changes: ChangeFeed<Int64> = ChangeFeed()) {
        self.database = database
        self.changes = changes
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

    /// Queues `messages` unless the sending device already used `txnId` (then nothing happens and the
    /// answer is false). Devices that do not exist are skipped, as the spec has them silently dropped.
    @discardableResult
    public func send(senderNid: Int64, senderDeviceId: String, sender: String, txnId: String, type: String,
                     messages: [Outgoing]) async throws -> Bool
    {
        let recipients: Set<Int64>? = try await database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO to_device_txns (user_nid, device_id, txn_id) VALUES (?, ?, ?)",
                arguments: [senderNid, senderDeviceId, txnId])
            guard db.changesCount > 0 else { return nil }
            var recipients: Set<Int64> = []
            for message in messages {
                let content = Data(message.content)
                if let deviceId = message.deviceId {
                    try db.execute(
                        sql: """
                            INSERT INTO to_device_messages (user_nid, device_id, sender, type, content)
                            SELECT user_nid, device_id, ?, ?, ? FROM devices WHERE user_nid = ? AND device_id = ?
                            """,
                        arguments: [sender, type, content, message.userNid, deviceId])
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO to_device_messages (user_nid, device_id, sender, type, content)
                            SELECT user_nid, device_id, ?, ?, ? FROM devices WHERE user_nid = ? ORDER BY device_id
                            """,
                        arguments: [sender, type, content, message.userNid])
                }
                if db.changesCount > 0 { recipients.insert(message.userNid) }
            }
            return recipients
        }
        guard let recipients else { return false }
        await changes.send(recipients.sorted())
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
