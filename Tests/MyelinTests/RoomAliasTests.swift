import Foundation
import MatrixCore
import Testing

@Suite struct RoomAliasTests {
    @Test func createResolveListAndDelete() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.newRoom(alice)
            let alias = server.alias("lounge")

            let created = try await server.putAlias(alice, alias, roomId)
            #expect(created.status == 200)
            #expect(created.json == .object([:]))

            // Resolving needs no access token.
            let resolved = try await server.client.get(server.aliasPath(alias))
            #expect(resolved.status == 200)
            #expect(resolved.json["room_id"]?.stringValue == roomId)
            #expect(resolved.json["servers"] == .array([.string(server.serverName)]))

            let listed = try await server.client.get(server.roomPath(roomId, "aliases"), token: alice.accessToken)
            #expect(listed.status == 200)
            #expect(listed.json["aliases"] == .array([.string(alias)]))

            let again = try await server.putAlias(alice, alias, roomId)
            #expect(again.status == 409)
            #expect(again.errcode == "M_UNKNOWN")

            let deleted = try await server.deleteAlias(alice, alias)
            #expect(deleted.status == 200)
            let gone = try await server.client.get(server.aliasPath(alias))
            #expect(gone.status == 404)
            #expect(gone.errcode == "M_NOT_FOUND")
            let deletedAgain = try await server.deleteAlias(alice, alias)
            #expect(deletedAgain.status == 404)
            #expect(deletedAgain.errcode == "M_NOT_FOUND")
            let empty = try await server.client.get(server.roomPath(roomId, "aliases"), token: alice.accessToken)
            #expect(empty.json["aliases"] == .array([]))

            // Joining by the alias reaches the room (the membership endpoints read the same table).
            let other = try await server.newRoom(alice, ["preset": "public_chat"])
            #expect(try await server.putAlias(alice, server.alias("other"), other).status == 200)
            let bob = try await server.register("bob")
            let joined = try await server.join(bob, server.alias("other"))
            #expect(joined.json["room_id"]?.stringValue == other)
            let servers = try await server.client.get(server.aliasPath(server.alias("other")))
            #expect(servers.json["servers"] == .array([.string(server.serverName)]))
        }
    }

    @Test func creationRefusals() async throws {
        try await withServer({ $0.allowGuests = true }) { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.newRoom(alice)

            for bad in ["lounge", "#nocolon", "#:\(server.serverName)", "#a:bad server"] {
                let response = try await server.putAlias(alice, bad, roomId)
                #expect(response.status == 400, "\(bad)")
                #expect(response.errcode == "M_INVALID_PARAM", "\(bad)")
                let get = try await server.client.get(server.aliasPath(bad))
                #expect(get.errcode == "M_INVALID_PARAM", "\(bad)")
                let delete = try await server.deleteAlias(alice, bad)
                #expect(delete.errcode == "M_INVALID_PARAM", "\(bad)")
            }
            // Another server's alias cannot be made here, nor resolved while its server cannot be reached.
            let remote = try await server.putAlias(alice, "#lounge:elsewhere.example", roomId)
            #expect(remote.status == 400)
            #expect(remote.errcode == "M_UNKNOWN")
            let remoteGet = try await server.client.get(server.aliasPath("#lounge:elsewhere.example"))
            #expect(remoteGet.status == 404)
            #expect(remoteGet.errcode == "M_NOT_FOUND")
            // White space, as Synapse.
            let spaced = try await server.putAlias(alice, "#two words:\(server.serverName)", roomId)
            #expect(spaced.status == 400)
            #expect(spaced.errcode == "M_UNKNOWN")
            // The body.
            let missing = try await server.client.put(server.aliasPath(server.alias("a")), [:], token: alice.accessToken)
            #expect(missing.status == 400)
            #expect(missing.errcode == "M_MISSING_PARAM")
            let wrongType = try await server.client.put(server.aliasPath(server.alias("a")), ["room_id": 5],
                                                        token: alice.accessToken)
            #expect(wrongType.errcode == "M_BAD_JSON")
            // An unknown room (Synapse: 400).
            let unknown = try await server.putAlias(alice, server.alias("a"), "!nope:\(server.serverName)")
            #expect(unknown.status == 400)
            #expect(unknown.errcode == "M_UNKNOWN")
            // Not in the room.
            let outsider = try await server.putAlias(bob, server.alias("a"), roomId)
            #expect(outsider.status == 403)
            #expect(outsider.errcode == "M_FORBIDDEN")
            // No token; a guest.
            let anonymous = try await server.client.put(server.aliasPath(server.alias("a")),
                                                        ["room_id": .string(roomId)])
            #expect(anonymous.status == 401)
            let guest = try await server.registerGuest()
            let byGuest = try await server.putAlias(guest, server.alias("a"), roomId)
            #expect(byGuest.status == 403)
            #expect(byGuest.errcode == "M_GUEST_ACCESS_FORBIDDEN")
            // Nothing was made by the refusals.
            let listed = try await server.client.get(server.roomPath(roomId, "aliases"), token: alice.accessToken)
            #expect(listed.json["aliases"] == .array([]))
        }
    }

    @Test func adminsMayAliasRoomsTheyAreNotIn() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let admin = try await server.registerAdmin("root")
            let roomId = try await server.newRoom(alice)
            #expect(try await server.putAlias(admin, server.alias("adminmade"), roomId).status == 200)
            // Admins may list the aliases of rooms they are not in; unknown rooms list nothing.
            let listed = try await server.client.get(server.roomPath(roomId, "aliases"), token: admin.accessToken)
            #expect(listed.json["aliases"] == .array([.string(server.alias("adminmade"))]))
            let unknown = try await server.client.get(server.roomPath("!nope:\(server.serverName)", "aliases"),
                                                      token: admin.accessToken)
            #expect(unknown.status == 200)
            // The room's creator did not make the alias but has the power to delete it.
            #expect(try await server.deleteAlias(alice, server.alias("adminmade")).status == 200)
        }
    }

    @Test func whoMayDeleteAnAlias() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let carol = try await server.register("carol")
            let dave = try await server.register("dave")
            let admin = try await server.registerAdmin("root")
            let roomId = try await server.newRoom(alice, ["preset": "public_chat"])
            try await server.joinOK(bob, roomId)
            try await server.joinOK(carol, roomId)

            // Members may make aliases; the creator of one may delete it.
            #expect(try await server.putAlias(bob, server.alias("bobs"), roomId).status == 200)
            #expect(try await server.putAlias(bob, server.alias("bobs2"), roomId).status == 200)
            #expect(try await server.putAlias(bob, server.alias("bobs3"), roomId).status == 200)
            // A member without the power to send m.room.canonical_alias may not delete others' aliases.
            let byCarol = try await server.deleteAlias(carol, server.alias("bobs"))
            #expect(byCarol.status == 403)
            #expect(byCarol.errcode == "M_FORBIDDEN")
            // Neither may someone outside the room.
            let byDave = try await server.deleteAlias(dave, server.alias("bobs"))
            #expect(byDave.status == 403)
            #expect(byDave.errcode == "M_FORBIDDEN")
            // The creator of the alias, a moderator and an admin may.
            #expect(try await server.deleteAlias(bob, server.alias("bobs")).status == 200)
            #expect(try await server.deleteAlias(alice, server.alias("bobs2")).status == 200)
            #expect(try await server.deleteAlias(admin, server.alias("bobs3")).status == 200)
        }
    }

    @Test func listingNeedsMembershipOrWorldReadableHistory() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let bob = try await server.register("bob")
            let roomId = try await server.newRoom(alice)
            #expect(try await server.putAlias(alice, server.alias("quiet"), roomId).status == 200)
            let refused = try await server.client.get(server.roomPath(roomId, "aliases"), token: bob.accessToken)
            #expect(refused.status == 403)
            #expect(refused.errcode == "M_FORBIDDEN")
            let unknown = try await server.client.get(server.roomPath("!nope:\(server.serverName)", "aliases"),
                                                      token: bob.accessToken)
            #expect(unknown.status == 403)
            #expect(unknown.errcode == "M_FORBIDDEN")
            let anonymous = try await server.client.get(server.roomPath(roomId, "aliases"))
            #expect(anonymous.status == 401)

            try await server.putStateOK(alice, roomId, type: "m.room.history_visibility",
                                        ["history_visibility": "world_readable"])
            let allowed = try await server.client.get(server.roomPath(roomId, "aliases"), token: bob.accessToken)
            #expect(allowed.status == 200)
            #expect(allowed.json["aliases"] == .array([.string(server.alias("quiet"))]))
        }
    }

    @Test func canonicalAliasMustPointToTheRoom() async throws {
        try await withServer { server in
            let alice = try await server.register("alice")
            let roomId = try await server.newRoom(alice)
            let otherRoom = try await server.newRoom(alice)
            #expect(try await server.putAlias(alice, server.alias("here"), roomId).status == 200)
            #expect(try await server.putAlias(alice, server.alias("there"), otherRoom).status == 200)

            func put(_ content: JSONObject) async throws -> TestResponse {
                try await server.putState(alice, roomId, type: "m.room.canonical_alias", content)
            }
            let unknown = try await put(["alias": .string(server.alias("nowhere"))])
            #expect(unknown.status == 400)
            #expect(unknown.errcode == "M_BAD_ALIAS")
            let elsewhere = try await put(["alias": .string(server.alias("there"))])
            #expect(elsewhere.status == 400)
            #expect(elsewhere.errcode == "M_BAD_ALIAS")
            let altElsewhere = try await put(["alias": .string(server.alias("here")),
                                              "alt_aliases": [.string(server.alias("there"))]])
            #expect(altElsewhere.errcode == "M_BAD_ALIAS")
            let invalid = try await put(["alias": "not-an-alias"])
            #expect(invalid.status == 400)
            #expect(invalid.errcode == "M_INVALID_PARAM")
            let invalidAlt = try await put(["alt_aliases": ["#ok:x.example", "bad"]])
            #expect(invalidAlt.errcode == "M_INVALID_PARAM")
            let wrongShape = try await put(["alt_aliases": "#here:x"])
            #expect(wrongShape.errcode == "M_INVALID_PARAM")

            // Our alias pointing here, and another server's alias (not checked without federation).
            let good = try await put(["alias": .string(server.alias("here")), "alt_aliases": ["#far:elsewhere.example"]])
            #expect(good.status == 200)
            // Clearing is always allowed.
            #expect(try await put([:]).status == 200)
            #expect(try await put(["alias": .string(server.alias("here")),
                                   "alt_aliases": [.string(server.alias("here"))]]).status == 200)

            // Deleting the alias takes it out of the canonical alias event.
            #expect(try await server.deleteAlias(alice, server.alias("here")).status == 200)
            let content = try await server.stateContent(roomId, "m.room.canonical_alias")
            #expect(content == [:])
        }
    }
}
