import Logging
import MatrixCore
import MyelinRooms
import MyelinStorage

/// The resident server's side of joins and leaves by users of other servers: `make_join`/`make_leave`
/// templates and `send_join`/`send_leave` (v2), which put the signed event through the pipeline, answer
/// with the room's state and auth chain, and pass the event on to the other servers in the room.
public struct ResidentMembership: Sendable {
    let rooms: RoomService
    let sender: FederationSender
    let serverName: ServerName
    let signingKey: SigningKey
    let logger: Logger

    public init(rooms: RoomService, sender: FederationSender, serverName: ServerName, signingKey: SigningKey,
                logger: Logger) {
        self.rooms = rooms
        self.sender = sender
        self.serverName = serverName
        self.signingKey = signingKey
        self.logger = logger
    }

    /// `GET /make_join|make_leave|make_knock/{roomId}/{userId}`: `{room_version, event}`.
    public func template(origin: String, roomId: String, userId: String, action: RoomService.RemoteMembershipAction,
                         supportedVersions: [String]) async throws -> JSONObject {
        try Self.requireUser(userId, of: origin)
        try await ServerAccess.checkACL(rooms: rooms, roomId: roomId, server: origin)
        let (version, event) = try await rooms.remoteMembershipTemplate(
            roomId: roomId, userId: userId, action: action,
            supportedVersions: action == .leave ? [] : (supportedVersions.isEmpty ? ["1"] : supportedVersions))
        return ["room_version": .string(version.identifier), "event": .object(event)]
    }

    /// `PUT /v2/send_join/{roomId}/{eventId}`.
    public func sendJoin(origin: String, roomId: String, eventId: String, body: JSONObject) async throws -> JSONObject {
        let (pdu, accepted) = try await receiveMembership(origin: origin, roomId: roomId, eventId: eventId, body: body,
                                                          membership: "join")
        guard let (state, chain) = try await rooms.pipeline.stateAndAuthChain(before: pdu.eventId) else {
            throw MatrixError.notFound("Unknown event \(pdu.eventId)")
        }
        var servers: Set<String> = [serverName.description]
        for event in state where event.type == "m.room.member" && event.membership == "join" {
            if let key = event.stateKey, let server = matrixIDDomainOf(key) { servers.insert(server) }
        }
        return [
            "origin": .string(serverName.description),
            "state": .array(state.map { .object($0.json) }),
            "auth_chain": .array(chain.map { .object($0.json) }),
            "event": .object(accepted.json),
            "members_omitted": false,
            "servers_in_room": .array(servers.sorted().map(JSONValue.string)),
        ]
    }

    /// `PUT /v2/send_leave/{roomId}/{eventId}`: `{}`.
    public func sendLeave(origin: String, roomId: String, eventId: String, body: JSONObject) async throws -> JSONObject {
        _ = try await receiveMembership(origin: origin, roomId: roomId, eventId: eventId, body: body,
                                        membership: "leave")
        return [:]
    }

    /// `PUT /v1/send_knock/{roomId}/{eventId}`: `{knock_room_state}`, the stripped state the knocker's
    /// user is shown.
    public func sendKnock(origin: String, roomId: String, eventId: String, body: JSONObject) async throws -> JSONObject {
        _ = try await receiveMembership(origin: origin, roomId: roomId, eventId: eventId, body: body,
                                        membership: "knock")
        let room = try await rooms.room(roomId)
        return ["knock_room_state": .array(try await rooms.inviteRoomState(room).map(JSONValue.object))]
    }

    /// Checks the event is the membership the endpoint is for, of a user of `origin`, countersigns a
    /// restricted join we authorise, runs it through the pipeline and queues it for the other servers.
    private func receiveMembership(origin: String, roomId: String, eventId: String, body: JSONObject,
                                   membership: String) async throws -> (PDU, PDU) {
        try await ServerAccess.checkACL(rooms: rooms, roomId: roomId, server: origin)
        let room = try await rooms.room(roomId)
        let version = try rooms.version(of: room)
        let pdu = try InboundMembershipEvent.parse(body, version: version, eventId: eventId, roomId: roomId)
        guard pdu.membership == membership, pdu.stateKey == pdu.sender else {
            throw MatrixError.badJSON("Not a \(membership) event of its sender")
        }
        try Self.requireUser(pdu.sender, of: origin)
        var json = pdu.json
        if membership == "join", let authoriser = pdu.content["join_authorised_via_users_server"]?.stringValue,
            matrixIDDomainOf(authoriser) == serverName.description
        {
            do {
                json = try EventSigning.sign(json, roomVersion: version, as: serverName, with: signingKey)
            } catch {
                throw MatrixError.badJSON("Cannot countersign the join: \(error)")
            }
        }
        let outcome: ReceiveOutcome
        do {
            outcome = try await rooms.pipeline.receive(json)
        } catch let error as ReceiveError {
            throw MatrixError.badJSON("The \(membership) event was refused: \(error)")
        }
        switch outcome {
        case .rejected(_, let reason), .softFailed(_, let reason):
            throw MatrixError.forbidden("The \(membership) is not allowed: \(reason)")
        case .accepted, .alreadyKnown:
            break
        }
        if let stored = try await rooms.store.event(id: pdu.eventId) {
            try await sender.broadcast(eventNid: stored.nid, roomNid: stored.roomNid, except: origin)
        }
        return (pdu, PDU(eventId: pdu.eventId, roomVersion: version, json: json))
    }

    static func requireUser(_ userId: String, of origin: String) throws {
        guard matrixIDDomainOf(userId) == origin else {
            throw MatrixError.forbidden("\(userId) is not a user of \(origin)")
        }
    }
}
