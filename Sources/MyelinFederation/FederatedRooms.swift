import Logging
import MatrixCore
import MyelinRooms

/// Our users' membership in rooms hosted on other servers (server-server API, "Joining Rooms", "Leaving
/// Rooms", "Knocking on rooms"): `make_*` gives a template, we fill in and sign it, `send_*` delivers
/// it. A join brings back the room's state and auth chain, which the pipeline checks and stores before
/// the join becomes the room's forward extremity here.
public struct FederatedRooms: RemoteRooms {
    let pipeline: RoomPipeline
    let transport: any FederationTransport
    let serverName: ServerName
    let signingKey: SigningKey
    let nowMs: @Sendable () -> Int64
    let logger: Logger
    /// Bounds what one `send_join` answer may bring (a large room's state and auth chain).
    let maxResponseBytes: Int

    public init(pipeline: RoomPipeline, transport: any FederationTransport, serverName: ServerName,
                signingKey: SigningKey, nowMs: @escaping @Sendable () -> Int64, logger: Logger,
                maxResponseBytes: Int = 64 * 1024 * 1024) {
        self.pipeline = pipeline
        self.transport = transport
        self.serverName = serverName
        self.signingKey = signingKey
        self.nowMs = nowMs
        self.logger = logger
        self.maxResponseBytes = maxResponseBytes
    }

    public func join(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String {
        try await throughFirstAnswering(servers, roomId: roomId, "join") { server in
            let (version, event) = try await makeAndSign(.join, userId: userId, roomId: roomId, through: server,
                                                         content: content)
            let answer = try await refusalsAsMatrixErrors {
                try await transport.json(FederationRequest(
                    .PUT, destination: server, path: sendPath("v2/send_join", roomId, event.eventId),
                    query: [("omit_members", "false")], body: .object(event.json), timeoutSeconds: 120,
                    maxResponseBytes: maxResponseBytes))
            }
            var joinJSON = event.json
            // A restricted join comes back signed by the authorising server too.
            if let signed = answer["event"]?.objectValue,
                (try? PDU(json: signed, roomVersion: version))?.eventId == event.eventId
            {
                joinJSON = signed
            }
            let state = (answer["state"]?.arrayValue ?? []).compactMap(\.objectValue)
            let authChain = (answer["auth_chain"]?.arrayValue ?? []).compactMap(\.objectValue)
            let sent = try await pipeline.completeRemoteJoin(
                roomId: roomId, version: version, join: joinJSON, state: state, authChain: authChain)
            logger.info("federation: joined \(roomId) through \(server)", metadata: [
                "state": "\(state.count)", "auth_chain": "\(authChain.count)",
            ])
            return sent.eventId
        }
    }

    public func leave(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String {
        try await throughFirstAnswering(servers, roomId: roomId, "leave") { server in
            let (_, event) = try await makeAndSign(.leave, userId: userId, roomId: roomId, through: server,
                                                   content: content)
            _ = try await refusalsAsMatrixErrors {
                try await transport.json(FederationRequest(
                    .PUT, destination: server, path: sendPath("v2/send_leave", roomId, event.eventId),
                    body: .object(event.json)))
            }
            try await pipeline.storeOwnMembership(event, roomState: [])
            return event.eventId
        }
    }

    public func knock(userId: String, roomId: String, servers: [String], content: JSONObject) async throws -> String {
        try await throughFirstAnswering(servers, roomId: roomId, "knock") { server in
            let (_, event) = try await makeAndSign(.knock, userId: userId, roomId: roomId, through: server,
                                                   content: content)
            let answer = try await refusalsAsMatrixErrors {
                try await transport.json(FederationRequest(
                    .PUT, destination: server, path: sendPath("v1/send_knock", roomId, event.eventId),
                    body: .object(event.json)))
            }
            let stripped = (answer["knock_room_state"]?.arrayValue ?? []).compactMap(\.objectValue)
            try await pipeline.storeOwnMembership(event, roomState: stripped)
            return event.eventId
        }
    }

    /// Tries each server in turn (at most five); a refusal on the room's rules (400/403) ends the attempt,
    /// since another resident would judge the same state the same way.
    private func throughFirstAnswering(_ servers: [String], roomId: String, _ what: String,
                                       _ attempt: (String) async throws -> String) async throws -> String {
        var failures: [String] = []
        for server in servers.prefix(5) {
            do {
                return try await attempt(server)
            } catch let error as MatrixError where error.status == 403 || error.status == 400 {
                throw error
            } catch {
                logger.info("federation: \(what) through \(server) failed", metadata: [
                    "room": "\(roomId)", "error": "\(error)",
                ])
                failures.append("\(server): \(error)")
            }
        }
        throw MatrixError("M_UNKNOWN", "Could not \(what) \(roomId) through any server: "
                          + failures.joined(separator: "; "), status: 502)
    }

    private func sendPath(_ endpoint: String, _ roomId: String, _ eventId: String) -> String {
        "/_matrix/federation/\(endpoint)/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(eventId))"
    }

    /// `make_join`/`make_leave`/`make_knock`, then the template checked, filled in with our content and
    /// signed.
    private func makeAndSign(_ action: RoomService.RemoteMembershipAction, userId: String, roomId: String,
                             through server: String, content: JSONObject) async throws -> (RoomVersion, PDU) {
        let (endpoint, membership): (String, String) = switch action {
        case .join: ("make_join", "join")
        case .leave: ("make_leave", "leave")
        case .knock: ("make_knock", "knock")
        }
        let made = try await refusalsAsMatrixErrors {
            try await transport.json(FederationRequest(
                .GET, destination: server,
                path: "/_matrix/federation/v1/\(endpoint)/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(userId))",
                query: action == .leave ? [] : RoomVersion.all.map { ("ver", $0.identifier) }))
        }
        // A server of before room versions were announced leaves it out: version 1.
        let versionName = made["room_version"]?.stringValue ?? "1"
        guard let version = RoomVersion.named(versionName) else {
            throw MatrixError("M_UNSUPPORTED_ROOM_VERSION", "\(server) offers unsupported room version \(versionName)",
                              status: 400)
        }
        guard var draft = made["event"]?.objectValue else {
            throw FederationError.badResponse(server, "\(endpoint) returned no event")
        }
        guard draft["type"]?.stringValue == "m.room.member", draft["state_key"]?.stringValue == userId,
            draft["sender"]?.stringValue == userId,
            draft["room_id"]?.stringValue == roomId || (version.roomIDFromCreateEvent && draft["room_id"] == nil)
        else {
            throw FederationError.badResponse(server, "\(endpoint) returned a template for another event")
        }
        // Our content (profile, reason) over theirs, keeping what only the resident can set.
        var merged = draft["content"]?.objectValue ?? [:]
        for (key, value) in content where key != "join_authorised_via_users_server" { merged[key] = value }
        merged["membership"] = .string(membership)
        draft["content"] = .object(merged)
        draft["origin_server_ts"] = .int(nowMs())
        draft["origin"] = .string(serverName.description)
        draft["signatures"] = nil
        draft["unsigned"] = nil
        if !version.eventIDIsHash { draft["event_id"] = .string("$\(RandomID.letters(18)):\(serverName)") }
        do {
            return (version, try EventBuilder.build(draft, roomVersion: version, server: serverName, key: signingKey))
        } catch {
            throw FederationError.badResponse(server, "cannot build the event from the template: \(error)")
        }
    }
}

extension FederatedRooms {
    /// `PUT /v2/invite/{roomId}/{eventId}` to the invitee's server; its answer must be the same event with
    /// that server's valid signature added.
    public func countersignInvite(_ event: PDU, strippedState: [JSONObject]) async throws -> PDU {
        guard let invitee = event.stateKey, let server = matrixIDDomainOf(invitee),
            let roomId = event.resolvedRoomId
        else { throw MatrixError.badJSON("Not an invite") }
        let answer = try await refusalsAsMatrixErrors {
            try await transport.json(FederationRequest(
                .PUT, destination: server,
                path: "/_matrix/federation/v2/invite/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(event.eventId))",
                body: [
                    "event": .object(event.json), "room_version": .string(event.roomVersion.identifier),
                    "invite_room_state": .array(strippedState.map(JSONValue.object)),
                ]))
        }
        guard let signedJSON = answer["event"]?.objectValue,
            let signed = try? PDU(json: signedJSON, roomVersion: event.roomVersion), signed.eventId == event.eventId
        else {
            throw MatrixError("M_UNKNOWN", "\(server) answered the invite with a different event", status: 502)
        }
        do {
            try await pipeline.verifySignature(of: signed, by: server)
        } catch {
            throw MatrixError("M_UNKNOWN", "\(server) did not sign the invite: \(error)", status: 502)
        }
        return signed
    }
}

extension FederatedRooms {
    /// `GET /query/directory?room_alias=` to the alias's server.
    public func resolveAlias(_ alias: String) async throws -> ResolvedAlias {
        guard let server = matrixIDDomainOf(alias) else { throw MatrixError.invalidParam("Bad alias \(alias)") }
        let answer: JSONObject
        do {
            answer = try await refusalsAsMatrixErrors {
                try await transport.json(FederationRequest(
                    .GET, destination: server, path: "/_matrix/federation/v1/query/directory",
                    query: [("room_alias", alias)]))
            }
        } catch let error as MatrixError where error.status == 502 {
            // To a user an alias whose server cannot answer is as good as unknown.
            throw MatrixError.notFound("Room alias \(alias) not found: \(error.message)")
        }
        guard let roomId = answer["room_id"]?.stringValue, roomId.hasPrefix("!") else {
            throw MatrixError("M_UNKNOWN", "\(server) answered the alias query without a room ID", status: 502)
        }
        let servers = (answer["servers"]?.arrayValue ?? []).compactMap(\.stringValue).filter {
            (try? ServerName(parsing: $0)) != nil
        }
        return ResolvedAlias(roomId: roomId, servers: Array(servers.prefix(20)))
    }
}

extension FederatedRooms {
    /// `GET /backfill/{roomId}?v=...&limit=` from the first server that answers; each event is checked
    /// (fetching its auth chain from that server when needed) and kept as history.
    public func backfill(roomId: String, from eventIds: [String], limit: Int, servers: [String]) async throws -> Int {
        guard let versionName = try await pipeline.roomVersion(roomId), let version = RoomVersion.named(versionName)
        else { return 0 }
        var lastError: (any Error)? = nil
        for server in servers.prefix(3) {
            do {
                let answer = try await transport.json(FederationRequest(
                    .GET, destination: server, path: "/_matrix/federation/v1/backfill/\(PathEncoding.segment(roomId))",
                    query: eventIds.map { ("v", $0) } + [("limit", String(limit))],
                    timeoutSeconds: 60, maxResponseBytes: 16 * 1024 * 1024))
                // A server may send more than asked: only `limit` are looked at, newest first as sent.
                var events: [PDU] = []
                for json in (answer["pdus"]?.arrayValue ?? []).prefix(limit).compactMap(\.objectValue) {
                    if let pdu = try? PDU(json: json, roomVersion: version), pdu.resolvedRoomId == roomId {
                        events.append(pdu)
                    }
                }
                var added = 0
                for pdu in events.sorted(by: { $0.depth < $1.depth }) {
                    if case .accepted = try await backfillOne(pdu, roomId: roomId, version: version, from: server) {
                        added += 1
                    }
                }
                return added
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
        return 0
    }

    private func backfillOne(_ pdu: PDU, roomId: String, version: RoomVersion, from server: String) async throws
        -> ReceiveOutcome?
    {
        do {
            return try await pipeline.receiveBackfilled(pdu.json, roomVersion: version)
        } catch ReceiveError.missingAuthEvents {
            let answer = try await transport.json(FederationRequest(
                .GET, destination: server,
                path: "/_matrix/federation/v1/event_auth/\(PathEncoding.segment(roomId))/\(PathEncoding.segment(pdu.eventId))",
                timeoutSeconds: 60, maxResponseBytes: 16 * 1024 * 1024))
            let chain = (answer["auth_chain"]?.arrayValue ?? []).compactMap(\.objectValue)
                .compactMap { try? PDU(json: $0, roomVersion: version) }
            for event in RoomPipeline.authOrdered(Array(chain.prefix(1000))) {
                _ = try? await pipeline.receiveOutlier(event.json, roomVersion: version)
            }
            return try? await pipeline.receiveBackfilled(pdu.json, roomVersion: version)
        } catch {
            logger.info("backfilled event refused", metadata: ["event": "\(pdu.eventId)", "error": "\(error)"])
            return nil
        }
    }
}

/// A resident's 4xx answer is the room's verdict: it reaches the client as the same Matrix error. Any other
/// failure to get an answer (unreachable, unresolvable, a broken or 5xx answer) is 502, as Synapse answers
/// when a remote server fails it.
func refusalsAsMatrixErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as FederationError {
        if case .remoteRefused(let server, let status, let errcode, let message) = error, (400..<500).contains(status),
            !errcode.isEmpty
        {
            let text = (try? JSONParser.parse(Array(message.utf8)))?.objectValue?["error"]?.stringValue ?? message
            throw MatrixError(errcode, "\(server): \(text)", status: status)
        }
        throw MatrixError("M_UNKNOWN", "Another server failed: \(error)", status: 502)
    }
}
