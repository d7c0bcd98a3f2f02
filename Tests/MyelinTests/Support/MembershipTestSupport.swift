import Foundation
import GRDB
import MatrixCore
import MyelinStorage
import Testing

/// Membership helpers for HTTP tests (the endpoints), plus two reads straight from storage until the
/// state and alias endpoints land on this branch.
extension TestServer {
    /// `POST /rooms/{roomId}/{action}` for leave, kick, ban, unban and forget (and join, invite).
    func membership(_ user: User, _ roomId: String, _ action: String, _ body: JSONObject = [:]) async throws
        -> TestResponse
    {
        try await client.post(roomPath(roomId, action), .object(body), token: user.accessToken)
    }

    func leave(_ user: User, _ roomId: String, reason: String? = nil) async throws -> TestResponse {
        try await membership(user, roomId, "leave", reason.map { ["reason": .string($0)] } ?? [:])
    }

    func kick(_ user: User, _ roomId: String, _ userId: String, reason: String? = nil) async throws -> TestResponse {
        var body: JSONObject = ["user_id": .string(userId)]
        if let reason { body["reason"] = .string(reason) }
        return try await membership(user, roomId, "kick", body)
    }

    func ban(_ user: User, _ roomId: String, _ userId: String, reason: String? = nil) async throws -> TestResponse {
        var body: JSONObject = ["user_id": .string(userId)]
        if let reason { body["reason"] = .string(reason) }
        return try await membership(user, roomId, "ban", body)
    }

    func unban(_ user: User, _ roomId: String, _ userId: String) async throws -> TestResponse {
        try await membership(user, roomId, "unban", ["user_id": .string(userId)])
    }

    func knock(_ user: User, _ roomIdOrAlias: String, reason: String? = nil) async throws -> TestResponse {
        try await client.post("/_matrix/client/v3/knock/\(Self.segment(roomIdOrAlias))",
                              .object(reason.map { ["reason": .string($0)] } ?? [:]), token: user.accessToken)
    }

    func joinedRooms(_ user: User) async throws -> [String] {
        let response = try await client.get("/_matrix/client/v3/joined_rooms", token: user.accessToken)
        guard response.status == 200, let rooms = response.json["joined_rooms"]?.arrayValue else {
            throw TestFailure("joined_rooms failed: \(response.status) \(response.json)")
        }
        return rooms.compactMap(\.stringValue)
    }

    /// The user's current member event in the room, read from storage, with its `event_id`.
    func memberEvent(_ roomId: String, _ userId: String) async throws -> JSONObject? {
        let store = RoomEventStore(database: running.homeserver.database)
        guard let room = try await store.room(id: roomId),
            let row = try await store.membership(roomNid: room.nid, userId: userId),
            let event = try await store.event(nid: row.eventNid),
            case .object(var json) = try JSONParser.parse(event.json)
        else { return nil }
        json["event_id"] = .string(event.eventId)  // v3+ events do not carry their ID
        return json
    }

    /// The user's current membership (nil when they have none).
    func currentMembership(_ roomId: String, _ userId: String) async throws -> String? {
        try await memberEvent(roomId, userId)?["content"]?.objectValue?["membership"]?.stringValue
    }

    /// Points a local alias at a room directly in storage (a stand-in for the alias endpoints).
    func insertAlias(_ alias: String, roomId: String, creator: String) async throws {
        try await running.homeserver.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO room_aliases (alias, room_nid, creator)
                    SELECT ?, room_nid, ? FROM rooms WHERE room_id = ?
                    """, arguments: [alias, creator, roomId])
        }
    }
}
