import MatrixCore
import MyelinStorage

/// The end-to-end encryption sections of a sync answer: `to_device`, `device_lists`,
/// `device_one_time_keys_count` and `device_unused_fallback_key_types`.
extension SyncResponseBuilder {
    struct DeviceSections {
        var toDevice: [ToDeviceMessage]
        /// Where the next sync resumes the to-device stream (short of `now` when the limit cut it).
        var toDevicePosition: Int64
        /// Only on incremental syncs.
        var deviceLists: DeviceListChanges?
        var oneTimeKeyCounts: [String: Int]
        var unusedFallbackAlgorithms: [String]

        var hasNews: Bool { !toDevice.isEmpty || !(deviceLists?.isEmpty ?? true) }

        func write(into json: inout JSONObject) {
            json["to_device"] = ["events": .array(SyncResponseBuilder.clientForm(toDevice))]
            if let deviceLists {
                json["device_lists"] = SyncResponseBuilder.clientForm(deviceLists)
            }
            json["device_one_time_keys_count"] = .object(SyncResponseBuilder.keyCounts(oneTimeKeyCounts))
            json["device_unused_fallback_key_types"] = .array(unusedFallbackAlgorithms.map(JSONValue.string))
        }
    }

    /// To-device messages as clients read them.
    static func clientForm(_ messages: [ToDeviceMessage]) -> [JSONValue] {
        messages.map { message in
            let content = (try? JSONParser.parse(message.content)) ?? .object([:])
            return ["sender": .string(message.sender), "type": .string(message.type), "content": content]
        }
    }

    static func clientForm(_ changes: DeviceListChanges) -> JSONValue {
        ["changed": .array(changes.changed.sorted().map(JSONValue.string)),
         "left": .array(changes.left.sorted().map(JSONValue.string))]
    }

    /// One-time key counts; clients read a missing count as "none", so signed_curve25519 is always given,
    /// as Synapse does.
    static func keyCounts(_ counts: [String: Int]) -> JSONObject {
        var counts = counts
        if counts["signed_curve25519"] == nil { counts["signed_curve25519"] = 0 }
        return JSONObject(uniqueKeysWithValues: counts.map { ($0.key, JSONValue.int(Int64($0.value))) })
    }

    /// The spec's suggested cap on to-device messages per sync.
    static let toDeviceLimit = 100

    func deviceSections() -> DeviceSections {
        // The token the client sent, even with full_state: it has what came before it.
        let acknowledged = request.since?.toDevice ?? 0
        // Read with the rest of the round's snapshot (SyncSnapshot); the service deletes what was acknowledged.
        let state = snapshot.devices
        let cut = state.toDevice.count == Self.toDeviceLimit
        let position = cut ? state.toDevice.last?.position ?? now.toDevice : max(now.toDevice, acknowledged)
        return DeviceSections(toDevice: state.toDevice, toDevicePosition: position, deviceLists: state.deviceLists,
                              oneTimeKeyCounts: state.oneTimeKeyCounts,
                              unusedFallbackAlgorithms: state.unusedFallbackAlgorithms)
    }
}
