import Foundation
import MatrixCore
import Testing

@Suite struct ReportTests {
    func reportEvent(_ server: TestServer, _ user: TestServer.User, _ roomId: String, _ eventId: String,
                     _ body: JSONValue = ["reason": "rude"]) async throws -> TestResponse {
        try await server.client.post(server.roomPath(roomId, "report/\(TestServer.segment(eventId))"), body,
                                     token: user.accessToken)
    }

    @Test func reportingAnEventAndReadingReportsAsAnAdmin() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let admin = try await server.registerAdmin("root")
            let roomId = try await server.newRoom(alice, ["preset": "public_chat", "name": "Lounge"])
            try await server.joinOK(bob, roomId)
            let eventId = try await server.sendOK(alice, roomId, "offensive")

            let reported = try await reportEvent(server, bob, roomId, eventId, ["reason": "rude", "score": -100])
            #expect(reported.status == 200)
            #expect(reported.json == .object([:]))
            // Reason and score are optional.
            #expect(try await reportEvent(server, bob, roomId, eventId, [:]).status == 200)

            let list = try await server.client.get("/_synapse/admin/v1/event_reports", token: admin.accessToken)
            #expect(list.status == 200)
            #expect(list.json["total"]?.intValue == 2)
            #expect(list.json["next_token"] == nil)
            let reports = try #require(list.json["event_reports"]?.arrayValue)
            #expect(reports.count == 2)
            // Newest first by default.
            let oldest = reports[1]
            #expect(oldest["room_id"]?.stringValue == roomId)
            #expect(oldest["event_id"]?.stringValue == eventId)
            #expect(oldest["user_id"]?.stringValue == bob.userId)
            #expect(oldest["sender"]?.stringValue == alice.userId)
            #expect(oldest["reason"]?.stringValue == "rude")
            #expect(oldest["score"]?.intValue == -100)
            #expect(oldest["name"]?.stringValue == "Lounge")
            #expect(oldest["received_ts"]?.intValue != nil)
            #expect(reports[0]["reason"] == .null)

            let forwards = try await server.client.get("/_synapse/admin/v1/event_reports?dir=f&limit=1",
                                                       token: admin.accessToken)
            #expect(forwards.json["event_reports"]?.arrayValue?.first?["reason"]?.stringValue == "rude")
            #expect(forwards.json["next_token"]?.intValue == 1)
            let page2 = try await server.client.get("/_synapse/admin/v1/event_reports?dir=f&limit=1&from=1",
                                                    token: admin.accessToken)
            #expect(page2.json["event_reports"]?.arrayValue?.count == 1)
            #expect(page2.json["next_token"] == nil)
            let byRoom = try await server.client.get(
                "/_synapse/admin/v1/event_reports?room_id=\(TestServer.segment("!other:x"))", token: admin.accessToken)
            #expect(byRoom.json["total"]?.intValue == 0)
            let byUser = try await server.client.get(
                "/_synapse/admin/v1/event_reports?user_id=\(TestServer.segment(bob.userId))", token: admin.accessToken)
            #expect(byUser.json["total"]?.intValue == 2)

            let id = try #require(oldest["id"]?.intValue)
            let single = try await server.client.get("/_synapse/admin/v1/event_reports/\(id)", token: admin.accessToken)
            #expect(single.status == 200)
            #expect(single.json["event_json"]?["content"]?["body"]?.stringValue == "offensive")
            let missing = try await server.client.get("/_synapse/admin/v1/event_reports/999", token: admin.accessToken)
            #expect(missing.status == 404)
            #expect(missing.errcode == "M_NOT_FOUND")
            let badId = try await server.client.get("/_synapse/admin/v1/event_reports/abc", token: admin.accessToken)
            #expect(badId.status == 400)
            #expect(badId.errcode == "M_INVALID_PARAM")

            // Admins only; bad paging parameters.
            let notAdmin = try await server.client.get("/_synapse/admin/v1/event_reports", token: bob.accessToken)
            #expect(notAdmin.status == 403)
            #expect(notAdmin.errcode == "M_FORBIDDEN")
            let notAdminOne = try await server.client.get("/_synapse/admin/v1/event_reports/\(id)", token: bob.accessToken)
            #expect(notAdminOne.status == 403)
            let anonymous = try await server.client.get("/_synapse/admin/v1/event_reports")
            #expect(anonymous.status == 401)
            for query in ["from=-1", "limit=-5", "dir=sideways", "limit=many"] {
                let response = try await server.client.get("/_synapse/admin/v1/event_reports?\(query)",
                                                           token: admin.accessToken)
                #expect(response.status == 400, "\(query)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(query)")
            }
        }
    }

    @Test func eventReportRefusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let roomId = try await server.newRoom(alice, ["preset": "public_chat"])
            let otherRoom = try await server.newRoom(alice, ["preset": "public_chat"])
            let eventId = try await server.sendOK(alice, roomId)
            let otherEvent = try await server.sendOK(alice, otherRoom)
            try await server.joinOK(bob, roomId)

            func expectNotFound(_ response: TestResponse, _ note: Comment) {
                #expect(response.status == 404, note)
                #expect(response.errcode == "M_NOT_FOUND", note)
            }
            expectNotFound(try await reportEvent(server, carol, roomId, eventId), "not joined")
            expectNotFound(try await reportEvent(server, bob, roomId, "$nope"), "unknown event")
            expectNotFound(try await reportEvent(server, bob, roomId, otherEvent), "event of another room")
            expectNotFound(try await reportEvent(server, bob, "!nope:\(server.serverName)", eventId), "unknown room")

            let redacted = try await server.sendOK(alice, roomId, "oops")
            let redaction = try await server.client.put(
                server.roomPath(roomId, "redact/\(TestServer.segment(redacted))/r1"), [:], token: alice.accessToken)
            #expect(redaction.status == 200)
            expectNotFound(try await reportEvent(server, bob, roomId, redacted), "redacted")

            // History bob may not see: sent while the room showed history only to joined members, before
            // he joined.
            let hidden = try await server.newRoom(alice, ["preset": "public_chat"])
            try await server.putStateOK(alice, hidden, type: "m.room.history_visibility",
                                        ["history_visibility": "joined"])
            let before = try await server.sendOK(alice, hidden, "before bob")
            try await server.joinOK(bob, hidden)
            let after = try await server.sendOK(alice, hidden, "after bob")
            expectNotFound(try await reportEvent(server, bob, hidden, before), "not visible")
            #expect(try await reportEvent(server, bob, hidden, after).status == 200)

            let badReason = try await reportEvent(server, bob, roomId, eventId, ["reason": 5])
            #expect(badReason.status == 400)
            #expect(badReason.errcode == "M_BAD_JSON")
            let badScore = try await reportEvent(server, bob, roomId, eventId, ["score": "high"])
            #expect(badScore.errcode == "M_BAD_JSON")
            let notObject = try await reportEvent(server, bob, roomId, eventId, [1])
            #expect(notObject.status == 400)
            let anonymous = try await server.client.post(
                server.roomPath(roomId, "report/\(TestServer.segment(eventId))"), ["reason": "x"])
            #expect(anonymous.status == 401)
        }
    }

    @Test func reportingRoomsAndUsers() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.newRoom(alice)

            // Bob need not be in the room.
            let room = try await server.client.post(server.roomPath(roomId, "report"), ["reason": "spam room"],
                                                    token: bob.accessToken)
            #expect(room.status == 200)
            #expect(try await server.client.post(server.roomPath(roomId, "report"), ["reason": ""],
                                                 token: bob.accessToken).status == 200)
            let unknownRoom = try await server.client.post(server.roomPath("!nope:\(server.serverName)", "report"),
                                                           ["reason": "x"], token: bob.accessToken)
            #expect(unknownRoom.status == 404)
            #expect(unknownRoom.errcode == "M_NOT_FOUND")
            let noReason = try await server.client.post(server.roomPath(roomId, "report"), [:], token: bob.accessToken)
            #expect(noReason.status == 400)
            #expect(noReason.errcode == "M_MISSING_PARAM")

            func reportUser(_ userId: String, _ body: JSONObject) async throws -> TestResponse {
                try await server.client.post("/_matrix/client/v3/users/\(TestServer.segment(userId))/report",
                                             .object(body), token: bob.accessToken)
            }
            #expect(try await reportUser(alice.userId, ["reason": "mean"]).status == 200)
            // Users of other servers cannot be checked and are accepted.
            #expect(try await reportUser("@someone:elsewhere.example", ["reason": "mean"]).status == 200)
            let unknownUser = try await reportUser("@ghost:\(server.serverName)", ["reason": "x"])
            #expect(unknownUser.status == 404)
            #expect(unknownUser.errcode == "M_NOT_FOUND")
            let invalid = try await reportUser("not-a-user", ["reason": "x"])
            #expect(invalid.status == 400)
            #expect(invalid.errcode == "M_INVALID_PARAM")
            let long = try await reportUser(alice.userId, ["reason": .string(String(repeating: "a", count: 1001))])
            #expect(long.status == 400)
            #expect(long.errcode == "M_BAD_JSON")
            let missing = try await reportUser(alice.userId, [:])
            #expect(missing.errcode == "M_MISSING_PARAM")
            let anonymous = try await server.client.post(
                "/_matrix/client/v3/users/\(TestServer.segment(alice.userId))/report", ["reason": "x"])
            #expect(anonymous.status == 401)

            // The reports are stored with their kind.
            let store = server.running.homeserver.services.rooms.store.reports
            let rooms = try await store.reports(kind: .room, offset: 0, limit: 10, oldestFirst: true)
            #expect(rooms.reports.map(\.reason) == ["spam room", ""])
            #expect(rooms.reports.first?.roomId == roomId)
            let users = try await store.reports(kind: .user, offset: 0, limit: 10, oldestFirst: true)
            #expect(users.reports.map(\.targetUserId) == [alice.userId, "@someone:elsewhere.example"])
            #expect(users.reports.allSatisfy { $0.reporter == bob.userId })
        }
    }
}
