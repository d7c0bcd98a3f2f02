import MatrixCore
import MyelinAccounts
import MyelinEphemeral
import MyelinPush
import MyelinStorage

/// The extensions of a sliding sync answer, in the shapes Synapse serves: `to_device` (MSC3885),
/// `e2ee` (MSC3884), `account_data` (MSC3959), `receipts` (MSC3960) and `typing` (MSC3961).
struct SlidingSyncExtensionsBuilder {
    /// The rooms each room-scoped extension covers (nil: not enabled).
    struct RoomScopes {
        var accountData: Set<String>?
        var receipts: Set<String>?
        var typing: Set<String>?
    }

    struct Result {
        var json: JSONObject
        var hasNews: Bool
        /// How far the receipts answer is complete (nil: receipts not asked for).
        var receiptsPosition: Int64?
    }

    let sync: SyncService
    let requester: Requester
    let request: SlidingSyncRequest
    let from: SyncToken?
    let now: SyncToken
    let snapshot: SyncSnapshot
    let roomIds: RoomScopes
    /// Rooms this answer sends afresh: their receipts and account data come whole.
    let sentInitially: Set<String>

    func build() async throws -> Result {
        var json: JSONObject = [:]
        var hasNews = false
        var receiptsPosition: Int64?
        if let toDevice = request.extensions.toDevice {
            let messages = snapshot.devices.toDevice
            let since = toDevice.since ?? 0
            let cut = messages.count == toDevice.limit
            let next = cut ? messages.last?.position ?? now.toDevice : max(now.toDevice, since)
            json["to_device"] = ["next_batch": .string(String(next)),
                                 "events": .array(SyncResponseBuilder.clientForm(messages))]
            hasNews = hasNews || !messages.isEmpty
        }
        if request.extensions.e2ee {
            let devices = snapshot.devices
            var e2ee: JSONObject = [
                "device_one_time_keys_count": .object(SyncResponseBuilder.keyCounts(devices.oneTimeKeyCounts)),
                "device_unused_fallback_key_types": .array(devices.unusedFallbackAlgorithms.map(JSONValue.string)),
            ]
            if let lists = devices.deviceLists {
                e2ee["device_lists"] = SyncResponseBuilder.clientForm(lists)
                hasNews = hasNews || !lists.isEmpty
            }
            json["e2ee"] = .object(e2ee)
        }
        if let rooms = roomIds.accountData {
            let (section, news) = try await accountData(rooms: rooms)
            json["account_data"] = .object(section)
            hasNews = hasNews || news
        }
        if let rooms = roomIds.receipts {
            let receipts = sync.ephemeral.receipts
            let fresh = rooms.intersection(sentInitially)
            let ongoing = rooms.subtracting(fresh)
            var byRoom: [String: JSONObject] = [:]
            if !fresh.isEmpty {
                byRoom.merge(try await receipts.update(viewer: requester.userId, roomIds: Array(fresh), since: nil,
                                                       upTo: now.receipts).rooms) { a, _ in a }
            }
            receiptsPosition = now.receipts
            if !ongoing.isEmpty {
                let update = try await receipts.update(viewer: requester.userId, roomIds: Array(ongoing),
                                                       since: from?.receipts, upTo: now.receipts)
                byRoom.merge(update.rooms) { a, _ in a }
                receiptsPosition = update.position
            }
            json["receipts"] = ["rooms": .object(JSONObject(uniqueKeysWithValues: byRoom.map {
                ($0.key, JSONValue.object(["type": "m.receipt", "content": .object($0.value)]))
            }))]
            hasNews = hasNews || !byRoom.isEmpty
        }
        if let rooms = roomIds.typing {
            let typing = sync.ephemeral.typing
            var byRoom = await typing.update(since: from?.typing, in: rooms.subtracting(sentInitially)).rooms
            byRoom.merge(await typing.update(since: nil, in: rooms.intersection(sentInitially)).rooms) { a, _ in a }
            json["typing"] = ["rooms": .object(JSONObject(uniqueKeysWithValues: byRoom.map {
                ($0.key, JSONValue.object(["type": "m.typing", "content": ["user_ids": .array($0.value.map(JSONValue.string))]]))
            }))]
            hasNews = hasNews || !byRoom.isEmpty
        }
        return Result(json: json, hasNews: hasNews, receiptsPosition: receiptsPosition)
    }

    /// Global account data that changed since the connection's position (all of it, with the push rules,
    /// on a first answer), and the room account data of the covered rooms.
    private func accountData(rooms: Set<String>) async throws -> (JSONObject, Bool) {
        let store = sync.accountData
        var global: [JSONValue] = []
        var byRoom: [String: [JSONValue]] = [:]
        if from == nil {
            global.append(.object(SyncResponseBuilder.pushRulesEvent(for: requester.userId)))
        }
        let changes = from.map { $0.accountData >= now.accountData } ?? false
            ? [] : try await store.changes(userNid: requester.userNid, after: from?.accountData ?? 0,
                                           upTo: now.accountData, limit: 10_000)
        for change in changes {
            guard case .object(let content) = try JSONParser.parse(change.content) else { continue }
            let event: JSONValue = ["type": .string(change.type), "content": .object(content)]
            if let roomId = change.roomId {
                if rooms.contains(roomId), !sentInitially.contains(roomId) { byRoom[roomId, default: []].append(event) }
            } else {
                global.append(event)
            }
        }
        // Rooms sent afresh get all their account data, an empty list when there is none (as Synapse).
        let fresh = rooms.intersection(sentInitially)
        for roomId in fresh { byRoom[roomId] = [] }
        if !fresh.isEmpty {
            for entry in try await store.all(userNid: requester.userNid) {
                guard let roomId = entry.roomId, fresh.contains(roomId),
                    case .object(let content)? = try? JSONParser.parse(entry.content)
                else { continue }
                byRoom[roomId, default: []].append(["type": .string(entry.type), "content": .object(content)])
            }
        }
        let section: JSONObject = [
            "global": .array(global),
            "rooms": .object(JSONObject(uniqueKeysWithValues: byRoom.map { ($0.key, JSONValue.array($0.value)) })),
        ]
        return (section, !global.isEmpty || byRoom.values.contains { !$0.isEmpty })
    }
}
