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
            json["to_device"] = ["events": .array(toDevice.map { message in
                let content = (try? JSONParser.parse(message.content)) ?? .object([:])
                return ["sender": .string(message.sender), "type": .string(message.type), "content": content]
            })]
            if let deviceLists {
                json["device_lists"] = ["changed": .array(deviceLists.changed.sorted().map(JSONValue.string)),
                                        "left": .array(deviceLists.left.sorted().map(JSONValue.string))]
            }
            json["device_one_time_keys_count"] = .object(JSONObject(uniqueKeysWithValues: oneTimeKeyCounts.map {
                ($0.key, JSONValue.int(Int64($0.value)))
            }))
            json["device_unused_fallback_key_types"] = .array(unusedFallbackAlgorithms.map(JSONValue.string))
        }
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
        var counts = state.oneTimeKeyCounts
        // Clients read a missing count as "none"; signed_curve25519 is always given, as Synapse does.
        if counts["signed_curve25519"] == nil { counts["signed_curve25519"] = 0 }
        return DeviceSections(toDevice: state.toDevice, toDevicePosition: position, deviceLists: state.deviceLists,
                              oneTimeKeyCounts: counts, unusedFallbackAlgorithms: state.unusedFallbackAlgorithms)
    }
}
