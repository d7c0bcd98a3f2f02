import Foundation
import MatrixCore
import Testing

/// `PUT /sendToDevice/{eventType}/{txnId}` and the `to_device` section of `/sync`.
@Suite struct ToDeviceTests {
    func send(_ server: TestServer, _ sender: TestServer.User, type: String = "m.test", txnId: String,
              _ messages: JSONValue) async throws -> TestResponse {
        try await server.client.put("/_matrix/client/v3/sendToDevice/\(type)/\(txnId)", ["messages": messages],
                                    token: sender.accessToken)
    }

    func sync(_ server: TestServer, _ user: TestServer.User, since: String? = nil, timeout: Int = 0) async throws
        -> (events: [JSONValue], token: String)
    {
        var path = "/_matrix/client/v3/sync?timeout=\(timeout)"
        if let since { path += "&since=\(TestServer.queryValue(since))" }
        let response = try await server.client.get(path, token: user.accessToken)
        #expect(response.status == 200, "\(response.json)")
        return (response.json["to_device"]?["events"]?.arrayValue ?? [],
                try #require(response.json["next_batch"]?.stringValue))
    }

    @Test func messagesReachTheirDevicesOnceAndGoAfterTheNextSync() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let phone = try await server.loginDevice(alice, "PHONE")
            let bob = try await server.register("bob")
            #expect(try await send(server, bob, txnId: "1", [alice.userId: [alice.deviceId: ["n": 1]]]).status == 200)
            #expect(try await send(server, bob, type: "m.room_key_request", txnId: "2",
                                   [alice.userId: ["*": ["n": 2]]]).status == 200)

            let first = try await sync(server, alice)
            #expect(first.events.map { $0["content"]?["n"] } == [1, 2])
            #expect(first.events.first?["sender"] == .string(bob.userId))
            #expect(first.events.map { $0["type"] } == ["m.test", "m.room_key_request"])
            // `*` reached the other device too, and only that message did.
            #expect(try await sync(server, phone).events.map { $0["content"]?["n"] } == [2])
            // Not yet acknowledged: a sync from the same point sees them again.
            #expect(try await sync(server, alice).events.count == 2)
            // Syncing from the token that delivered them acknowledges (and deletes) them.
            let next = try await sync(server, alice, since: first.token)
            #expect(next.events.isEmpty)
            #expect(try await sync(server, alice).events.isEmpty)
            // Bob's own devices got nothing.
            #expect(try await sync(server, bob).events.isEmpty)
        }
    }

    @Test func aTransactionIdIsUsedOncePerDevice() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let laptop = try await server.loginDevice(bob, "LAPTOP")
            let message: JSONValue = [alice.userId: [alice.deviceId: ["n": 1]]]
            #expect(try await send(server, bob, txnId: "same", message).status == 200)
            #expect(try await send(server, bob, txnId: "same", message).status == 200)
            #expect(try await send(server, laptop, txnId: "same", message).status == 200)
            let events = try await sync(server, alice).events
            #expect(events.count == 2)
        }
    }

    @Test func aWaitingSyncWakesForAMessage() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let token = try await sync(server, alice).token
            let started = ContinuousClock.now
            async let waiting = sync(server, alice, since: token, timeout: 180_000)
            let notifier = server.running.homeserver.services.sync.notifier
            while await notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await send(server, bob, txnId: "w", [alice.userId: [alice.deviceId: ["wake": true]]])
                .status == 200)
            let woken = try await waiting
            #expect(woken.events.first?["content"]?["wake"] == true)
            // Woken by the message, not by the 180 s timeout (a bound to tell the two apart, not a figure).
            #expect(ContinuousClock.now - started < .seconds(120))
        }
    }

    @Test func aLongQueueComesAHundredAtATime() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            for n in 0..<130 {
                #expect(try await send(server, bob, txnId: "q\(n)", [alice.userId: [alice.deviceId: ["n": .int(Int64(n))]]])
                    .status == 200)
            }
            let first = try await sync(server, alice)
            #expect(first.events.count == 100)
            #expect(first.events.first?["content"]?["n"] == 0)
            let second = try await sync(server, alice, since: first.token)
            #expect(second.events.map { $0["content"]?["n"]?.intValue } == (100..<130).map { Int64($0) })
            #expect(try await sync(server, alice, since: second.token).events.isEmpty)
        }
    }

    @Test func unknownRecipientsAreSkippedAndTheRestDelivered() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let response = try await send(server, bob, txnId: "mixed", [
                alice.userId: [alice.deviceId: ["n": 1], "NOSUCHDEVICE": ["n": 2]],
                "@nobody:localhost": ["*": ["n": 3]],
                "@carol:elsewhere.example": ["DEVICE": ["n": 4]],
            ])
            #expect(response.status == 200)
            #expect(response.json == [:])
            #expect(try await sync(server, alice).events.map { $0["content"]?["n"] } == [1])
        }
    }

    @Test func deletingADeviceDropsItsQueue() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let phone = try await server.loginDevice(alice, "PHONE")
            let bob = try await server.register("bob")
            #expect(try await send(server, bob, txnId: "1", [alice.userId: ["PHONE": ["n": 1]]]).status == 200)
            try await server.deleteDeviceOK(alice, "PHONE")
            // The device and its token are gone; a new login with the same device ID starts empty.
            #expect(try await server.client.get("/_matrix/client/v3/sync", token: phone.accessToken).status == 401)
            let again = try await server.loginDevice(alice, "PHONE")
            #expect(try await sync(server, again).events.isEmpty)
        }
    }

    @Test func refusals() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let path = "/_matrix/client/v3/sendToDevice/m.test/t1"
            let noToken = try await server.client.put(path, ["messages": [:]])
            #expect(noToken.status == 401)
            #expect(noToken.json["errcode"] == "M_MISSING_TOKEN")
            let cases: [(JSONValue, String)] = [
                ([:], "M_MISSING_PARAM"),
                (["messages": "everyone"], "M_BAD_JSON"),
                (["messages": [alice.userId: "hello"]], "M_BAD_JSON"),
                (["messages": [alice.userId: [alice.deviceId: "hello"]]], "M_BAD_JSON"),
                (["messages": ["not-a-user": ["*": [:]]]], "M_INVALID_PARAM"),
            ]
            for (n, (body, errcode)) in cases.enumerated() {
                let response = try await server.client.put("/_matrix/client/v3/sendToDevice/m.test/bad\(n)", body,
                                                           token: alice.accessToken)
                #expect(response.status == 400, "\(body)")
                #expect(response.json["errcode"] == .string(errcode), "\(body): \(response.json)")
            }
            let notJSON = try await server.client.request("PUT", path, rawBody: Data("nope".utf8),
                                                          token: alice.accessToken)
            #expect(notJSON.status == 400)
            #expect(notJSON.json["errcode"] == "M_NOT_JSON")
            // Nothing was queued by the refused requests.
            #expect(try await sync(server, alice).events.isEmpty)
        }
    }
}
