import MatrixCore
import MyelinStorage

/// The spec's server administration module: `GET /admin/whois/{userId}`, a user's devices with the
/// address and time each was last seen (Myelin keeps the last connection per device, not a history,
/// and no user agents).
struct ServerAdministrationRoutes {
    let services: MatrixServices

    var routes: [Route] {
        [
            Route(.get, "/_matrix/client/v3/admin/whois/{userId}") { call in
                let userId = call.parameter("userId")
                let devices = try await services.account.whois(try call.user, userId: userId)
                return MatrixResponse(json: [
                    "user_id": .string(userId),
                    "devices": .object(JSONObject(uniqueKeysWithValues: devices.map { ($0.deviceId, Self.json($0)) })),
                ])
            },
        ]
    }

    static func json(_ device: DeviceRecord) -> JSONValue {
        var connection: JSONObject = [:]
        if let ip = device.lastSeenIP { connection["ip"] = .string(ip) }
        if let seen = device.lastSeenTs { connection["last_seen"] = .int(seen) }
        return ["sessions": [["connections": connection.isEmpty ? [] : [.object(connection)]]]]
    }
}
