import Logging
import MatrixCore
import MyelinAccounts
import MyelinStorage

/// `PUT /sendToDevice/{eventType}/{txnId}`: messages from one device to others, outside any room (olm
/// key sharing, verification). Stored per recipient device until its sync acknowledges them.
public struct ToDeviceService: Sendable {
    let context: AccountsContext
    let store: ToDeviceStore

    /// The most messages (recipient devices named) one request may carry.
    static let maxMessages = 10_000

    public init(context: AccountsContext, store: ToDeviceStore) {
        self.context = context
        self.store = store
    }

    /// Queues the messages of `body` (`messages`: user ID to device ID or `*` to content). Idempotent
    /// per sending device and `txnId`. Unknown local users and devices are skipped, as the spec allows;
    /// remote users are skipped until federation can carry to-device messages (logged).
    public func send(_ requester: Requester, type: String, txnId: String, body: JSONObject) async throws {
        guard !type.isEmpty, type.utf8.count <= 255 else {
            throw MatrixError.invalidParam("The event type must be 1 to 255 bytes")
        }
        guard let messages = body["messages"] else { throw MatrixError.missingParam("'messages' is required") }
        guard case .object(let byUser) = messages else { throw MatrixError.badJSON("'messages' must be an object") }
        var outgoing: [ToDeviceStore.Outgoing] = []
        var remote: Set<String> = []
        for userId in byUser.sortedKeys {
            guard case .object(let byDevice)? = byUser[userId] else {
                throw MatrixError.badJSON("'messages.\(userId)' must map device IDs to message contents")
            }
            guard let user = try? UserID(parsing: userId) else {
                throw MatrixError.invalidParam("\"\(userId)\" is not a valid user ID")
            }
            var contents: [(deviceId: String?, content: [UInt8])] = []
            for deviceId in byDevice.sortedKeys {
                guard case .object(let content)? = byDevice[deviceId] else {
                    throw MatrixError.badJSON("'messages.\(userId).\(deviceId)' must be an object")
                }
                let bytes: [UInt8]
                do { bytes = try CanonicalJSON.encode(.object(content)) } catch {
                    throw MatrixError.badJSON("'messages.\(userId).\(deviceId)' is not valid JSON: \(error)")
                }
                contents.append((deviceId == "*" ? nil : deviceId, bytes))
            }
            guard user.serverName == context.settings.serverName else {
                if !contents.isEmpty { remote.insert(user.serverName) }
                continue
            }
            guard let account = try await context.users.user(localpart: user.localpart) else { continue }
            // `*` covers every device; naming some devices as well adds nothing.
            if let everyDevice = contents.first(where: { $0.deviceId == nil }) {
                contents = [everyDevice]
            }
            for entry in contents {
                outgoing.append(.init(userNid: account.nid, deviceId: entry.deviceId, content: entry.content))
            }
            guard outgoing.count <= Self.maxMessages else {
                throw MatrixError.tooLarge("At most \(Self.maxMessages) to-device messages per request")
            }
        }
        if !remote.isEmpty {
            context.logger.notice(
                "to-device messages for remote servers dropped: federation is not available",
                metadata: ["servers": "\(remote.sorted().joined(separator: ", "))", "type": "\(type)"])
        }
        let result: ToDeviceStore.SendResult
        do {
            result = try await store.send(senderNid: requester.userNid, senderDeviceId: requester.deviceId,
                                          sender: requester.userId, txnId: txnId, type: type, messages: outgoing)
        } catch let quota as QuotaExceeded {
            throw MatrixError(quota)
        }
        if !result.skippedFull.isEmpty {
            // The spec lets a server drop messages for devices it will not deliver to; the sender is not
            // told, as for an unknown device. See `ToDeviceStore.send` for why not refuse the request.
            context.logger.notice(
                "to-device messages dropped: the receiving devices' inboxes are full",
                metadata: ["sender": "\(requester.userId)", "type": "\(type)",
                           "devices": "\(result.skippedFull.count)"])
        }
    }

    /// How many messages a request body names (one per user and device ID, `*` counting once): what the
    /// per-sender rate limit charges, before any work is done. A body of the wrong shape counts as one
    /// request; `send` then refuses it.
    public static func messageCount(_ body: JSONObject) -> Int {
        guard case .object(let byUser)? = body["messages"] else { return 1 }
        let count = byUser.values.reduce(0) { total, byDevice in
            guard case .object(let devices) = byDevice else { return total }
            return total + devices.count
        }
        return max(1, count)
    }
}
