import Foundation
import MatrixCore
import Testing

extension SynapseSuites {
    /// Myelin and a real Synapse (from PyPI) federating over TLS on loopback: rooms hosted on each side
    /// joined from the other, messages, state, invites, kicks, bans, leaves, a knock and a restricted join.
    @Suite(.serialized) struct SynapseInteropTests {
        @Test func roomsOnEitherServerWorkFromTheOther() async throws {
            let synapse = try await SynapsePeer.start()
            let myelin: TestServer
            do {
                myelin = try await FederationTestSupport.startServer()
            } catch {
                synapse.stop()
                throw error
            }
            do {
                try await scenario(synapse: synapse, myelin: myelin)
            } catch {
                print("Synapse log tail:\n" + String(synapse.log().suffix(6000)))
                synapse.stop()
                try? await myelin.stop()
                throw error
            }
            synapse.stop()
            try await myelin.stop()
        }

        private func scenario(synapse: SynapsePeer, myelin: TestServer) async throws {
            let sam = try await synapse.register("sam")
            let mia = try await myelin.register("mia")

            // A Synapse room, joined from Myelin.
            let synRoom = try await synapse.createRoom(sam, ["preset": "public_chat", "name": "on synapse"])
            let joined = try await myelin.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(synRoom))?server_name=\(TestServer.segment(synapse.serverName))",
                [:], token: mia.accessToken)
            try #require(joined.status == 200, "\(joined.json)")
            try await FederationTestSupport.eventually("mia joined at synapse") {
                try await synapse.membership(sam, synRoom, of: mia.userId) == "join"
            }
            let name = try await myelin.client.get(myelin.roomPath(synRoom, "state/m.room.name/"), token: mia.accessToken)
            #expect(name.json["name"]?.stringValue == "on synapse")
            _ = try await myelin.sendOK(mia, synRoom, "mia on synapse's room")
            try await FederationTestSupport.eventually("mia's message at synapse") {
                try await synapse.messageBodies(sam, synRoom).contains("mia on synapse's room")
            }
            _ = try await synapse.sendOK(sam, synRoom, "sam in his own room")
            try await FederationTestSupport.eventually("sam's message at myelin") {
                try await myelin.messageBodies(mia, synRoom).contains("sam in his own room")
            }
            try await FederationTestSupport.eventually("sam's message in mia's sync") {
                try await timelineBodies(myelin, mia, synRoom).contains("sam in his own room")
            }
            #expect(try await synapse.putState(sam, synRoom, type: "m.room.topic", ["topic": "from synapse"]).status == 200)
            try await FederationTestSupport.eventually("synapse's topic at myelin") {
                try await myelin.client.get(myelin.roomPath(synRoom, "state/m.room.topic/"), token: mia.accessToken)
                    .json["topic"]?.stringValue == "from synapse"
            }

            // A Myelin room, joined from Synapse.
            let myRoom = try await myelin.createRoom(mia, ["preset": "public_chat", "name": "on myelin"])
            let samJoin = try await synapse.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(myRoom))?server_name=\(TestServer.segment(myelin.serverName))",
                [:], token: sam.accessToken)
            try #require(samJoin.status == 200, "\(samJoin.json)")
            try await FederationTestSupport.eventually("sam joined at myelin") {
                try await myelin.membership(mia, myRoom, of: sam.userId) == "join"
            }
            _ = try await synapse.sendOK(sam, myRoom, "sam on myelin's room")
            try await FederationTestSupport.eventually("sam's message at myelin") {
                try await myelin.messageBodies(mia, myRoom).contains("sam on myelin's room")
            }
            _ = try await myelin.sendOK(mia, myRoom, "mia at home")
            try await FederationTestSupport.eventually("mia's message at synapse") {
                try await synapse.messageBodies(sam, myRoom).contains("mia at home")
            }
            #expect(try await myelin.putState(mia, myRoom, type: "m.room.topic", ["topic": "from myelin"]).status == 200)
            try await FederationTestSupport.eventually("myelin's topic at synapse") {
                try await synapse.client.get(synapse.roomPath(myRoom, "state/m.room.topic/"), token: sam.accessToken)
                    .json["topic"]?.stringValue == "from myelin"
            }

            // Invites both ways, into private rooms.
            let myPrivate = try await myelin.createRoom(mia, ["preset": "private_chat"])
            let invited = try await myelin.invite(mia, myPrivate, sam.userId)
            try #require(invited.status == 200, "\(invited.json)")
            try await FederationTestSupport.eventually("the invite in sam's sync") {
                try await invitedRooms(synapse, sam).contains(myPrivate)
            }
            #expect(try await synapse.join(sam, myPrivate).status == 200)
            try await FederationTestSupport.eventually("sam joined the private room at myelin") {
                try await myelin.membership(mia, myPrivate, of: sam.userId) == "join"
            }
            let synPrivate = try await synapse.createRoom(sam, ["preset": "private_chat"])
            let samInvites = try await synapse.invite(sam, synPrivate, mia.userId)
            try #require(samInvites.status == 200, "\(samInvites.json)")
            try await FederationTestSupport.eventually("the invite in mia's sync") {
                try await invitedRooms(myelin, mia).contains(synPrivate)
            }
            let miaAccepts = try await myelin.join(mia, synPrivate)
            try #require(miaAccepts.status == 200, "\(miaAccepts.json)")
            try await FederationTestSupport.eventually("mia joined the private room at synapse") {
                try await synapse.membership(sam, synPrivate, of: mia.userId) == "join"
            }

            // A restricted Synapse room that lets in members of synRoom: Mia joins it through Synapse, which
            // checks her membership there and countersigns her join.
            let restricted = try await synapse.createRoom(sam, [
                "preset": "private_chat", "room_version": "10",
                "initial_state": [[
                    "type": "m.room.join_rules", "state_key": "",
                    "content": ["join_rule": "restricted",
                                "allow": [["type": "m.room_membership", "room_id": .string(synRoom)]]],
                ]],
            ])
            let restrictedJoin = try await myelin.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(restricted))?server_name=\(TestServer.segment(synapse.serverName))",
                [:], token: mia.accessToken)
            try #require(restrictedJoin.status == 200, "\(restrictedJoin.json)")
            try await FederationTestSupport.eventually("mia's restricted join at synapse") {
                try await synapse.membership(sam, restricted, of: mia.userId) == "join"
            }
            let authorised = try await myelin.client.get(
                myelin.roomPath(restricted, "state/m.room.member/\(TestServer.segment(mia.userId))"), token: mia.accessToken)
            #expect(authorised.json["join_authorised_via_users_server"]?.stringValue == sam.userId)

            // Kicks and bans both ways, and a leave.
            #expect(try await myelin.client.post(myelin.roomPath(myRoom, "kick"), ["user_id": .string(sam.userId)],
                                                 token: mia.accessToken).status == 200)
            // (Synapse caches initial syncs for minutes: ask for the member event instead.)
            try await FederationTestSupport.eventually("sam kicked, seen at synapse") {
                try await synapse.membership(sam, myRoom, of: sam.userId) == "leave"
            }
            #expect(try await synapse.client.post(synapse.roomPath(synRoom, "ban"), ["user_id": .string(mia.userId)],
                                                  token: sam.accessToken).status == 200)
            try await FederationTestSupport.eventually("mia banned, seen at myelin") {
                try await myelin.membership(mia, synRoom, of: mia.userId) == "ban"
            }
            #expect(try await myelin.client.post(myelin.roomPath(synPrivate, "leave"), [:], token: mia.accessToken)
                .status == 200)
            try await FederationTestSupport.eventually("mia's leave at synapse") {
                try await synapse.membership(sam, synPrivate, of: mia.userId) == "leave"
            }

            // A knock on a Myelin room from Synapse.
            let knockRoom = try await myelin.createRoom(mia, ["preset": "private_chat", "room_version": "12"])
            #expect(try await myelin.putState(mia, knockRoom, type: "m.room.join_rules", ["join_rule": "knock"]).status == 200)
            let knocked = try await synapse.client.post(
                "/_matrix/client/v3/knock/\(TestServer.segment(knockRoom))?server_name=\(TestServer.segment(myelin.serverName))",
                [:], token: sam.accessToken)
            try #require(knocked.status == 200, "\(knocked.json)")
            try await FederationTestSupport.eventually("sam's knock at myelin") {
                try await myelin.membership(mia, knockRoom, of: sam.userId) == "knock"
            }

        }

        /// The bodies of message events in the room's timeline in the user's initial sync.
        private func timelineBodies(_ peer: some ClientAPIPeer, _ user: TestServer.User, _ roomId: String) async throws
            -> [String]
        {
            let sync = try await peer.client.get("/_matrix/client/v3/sync", token: user.accessToken)
            let events = sync.json["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.arrayValue ?? []
            return events.compactMap { $0["type"]?.stringValue == "m.room.message" ? $0["content"]?["body"]?.stringValue : nil }
        }

        /// The rooms the user is invited to, from an initial sync. Synapse answers the same initial sync from
        /// a cache for a while, so each call asks with a filter of its own.
        private func invitedRooms(_ peer: some ClientAPIPeer, _ user: TestServer.User) async throws -> [String] {
            let filter = "%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A\(Int.random(in: 1...1_000_000))%7D%7D%7D"
            let sync = try await peer.client.get("/_matrix/client/v3/sync?filter=" + filter, token: user.accessToken)
            return sync.json["rooms"]?["invite"]?.objectValue.map { $0.map(\.key) } ?? []
        }
    }
}
