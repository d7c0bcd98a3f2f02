import MatrixCore
import MyelinAccounts
import MyelinStorage

/// Device management: `/devices`, `/devices/{deviceId}`, `/delete_devices`.
struct DeviceRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/devices") { call in
                let devices = try await services.account.devices(try call.user)
                return MatrixResponse(json: ["devices": .array(devices.map(Self.json))])
            },
            Route(.get, "/_matrix/client/v3/devices/{deviceId}") { call in
                MatrixResponse(json: Self.json(try await services.account.device(try call.user,
                                                                                  deviceId: call.parameter("deviceId"))))
            },
            Route(.put, "/_matrix/client/v3/devices/{deviceId}") { call in
                let body = try call.jsonObject()
                try await services.account.renameDevice(
                    try call.user, deviceId: call.parameter("deviceId"), displayName: try body.string("display_name"))
                return .empty
            },
            Route(.delete, "/_matrix/client/v3/devices/{deviceId}") { call in
                let body = try call.optionalJSONObject()
                try await services.account.deleteDevice(
                    try call.user, deviceId: call.parameter("deviceId"),
                    auth: try body.objectValue("auth").map(JSONValue.object))
                return .empty
            },
            Route(.post, "/_matrix/client/v3/delete_devices") { call in
                let body = try call.jsonObject()
                guard let deviceIds = try body.stringArray("devices") else {
                    throw MatrixError.missingParam("'devices' is required")
                }
                try await services.account.deleteDevices(
                    try call.user, deviceIds: deviceIds, auth: try body.objectValue("auth").map(JSONValue.object))
                return .empty
            },
        ]
    }

    static func json(_ device: DeviceRecord) -> JSONValue {
        var object: JSONObject = ["device_id": .string(device.deviceId)]
        object["display_name"] = device.displayName.map(JSONValue.string)
        object["last_seen_ip"] = device.lastSeenIP.map(JSONValue.string)
        object["last_seen_ts"] = device.lastSeenTs.map(JSONValue.int)
        return .object(object)
    }
}
