// Federation figures for the closing note of issue 12:
//  1. events/s a Myelin server (a real `myelin serve` process, the receiver) accepts through
//     `PUT /_matrix/federation/v1/send` from a peer, in transactions of 50 PDUs, sent one after another;
//  2. the receiver's peak RSS while it comes back to a gap of N events (the peer kept only the newest
//     one queued for it, so the receiver pulls what its bounds allow: get_missing_events, then the state).
// The peer is an in-process Myelin homeserver; both speak TLS on loopback with a throwaway certificate.
// Usage: myelin-federation-bench MYELIN_BINARY [SEND_EVENTS=2000] [GAP_EVENTS=5000]
// e.g.  swift build -c release --product myelin --product myelin-federation-bench
//       .build/release/myelin-federation-bench .build/release/myelin 2000 5000
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import MatrixCore
import MyelinFederation
import MyelinHTTPClient
import MyelinServer
import MyelinTestSupport
import NIOCore
import NIOHTTP1

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: myelin-federation-bench MYELIN_BINARY [SEND_EVENTS] [GAP_EVENTS]")
    exit(2)
}
let binary = arguments[1]
let sendEvents = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000
let gapEvents = arguments.count > 3 ? Int(arguments[3]) ?? 5000 : 5000
var logger = Logger(label: "federation-bench")
logger.logLevel = .warning

let work = "/tmp/myelin-federation-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let (cert, key) = try TestCertificate.make(in: work)

// The receiver: `myelin serve`, restartable with the same data.
let receiverTLS = try LoopbackPort.free()
let receiverHTTP = try LoopbackPort.free()
let receiverName = "127.0.0.1:\(receiverTLS)"
func startReceiver() async throws -> ChildProcess {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MYELIN_") }
    for (name, value) in [
        "MYELIN_DATA_DIR": work + "/receiver", "MYELIN_LISTEN__PORT": String(receiverHTTP),
        "MYELIN_REGISTRATION__MODE": "open", "MYELIN_RATE_LIMIT__ENABLED": "false", "MYELIN_LOG__LEVEL": "warning",
        "MYELIN_LOG__REQUESTS": "false", "MYELIN_SERVER_NAME": receiverName, "MYELIN_TLS__CERTIFICATE_PATH": cert,
        "MYELIN_TLS__PRIVATE_KEY_PATH": key, "MYELIN_TLS__ADDRESS": "127.0.0.1", "MYELIN_TLS__PORT": String(receiverTLS),
        "MYELIN_OUTBOUND__ALLOW_PRIVATE_ADDRESSES": "true", "MYELIN_OUTBOUND__EXTRA_CA_FILE": cert,
        "MYELIN_FEDERATION__TRUSTED_KEY_SERVERS": "",
    ] { environment[name] = value }
    try FileManager.default.createDirectory(atPath: work + "/receiver", withIntermediateDirectories: true)
    let child = try ChildProcess.spawn(binary, ["serve"], environment: environment, stdout: .null, stderr: .inherit)
    for _ in 0..<600 {
        if (try? await http.execute(.init(url: "http://127.0.0.1:\(receiverHTTP)/_matrix/client/versions")))?
            .status.code == 200
        { return child }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw BenchError("the receiver did not start")
}

var httpConfiguration = HTTPClientConfiguration()
httpConfiguration.allowPrivateAddresses = true
let http = try HTTPClient(configuration: httpConfiguration, logger: logger)

// The peer: an in-process homeserver that keeps only the newest event queued for a destination.
let peerTLS = try LoopbackPort.free()
var config = MyelinConfig()
config.dataDir = work + "/peer"
config.serverName = "127.0.0.1:\(peerTLS)"
config.listenAddress = "127.0.0.1"
config.listenPort = 0
config.tlsCertificatePath = cert
config.tlsPrivateKeyPath = key
config.tlsAddress = "127.0.0.1"
config.tlsPort = peerTLS
config.outboundAllowPrivateAddresses = true
config.outboundExtraCAFile = cert
config.registrationMode = .open
config.rateLimitEnabled = false
config.logRequests = false
var federation = FederationSettings()
federation.trustedKeyServers = []
federation.retryInitialMs = 500
federation.retryMaxMs = 2000
federation.maxQueuedEventsPerDestination = 1
let peer = try await RunningHomeserver.start(try await Homeserver.open(
    config: config, logger: logger, passwordParameters: .init(opsLimit: 1, memoryKiB: 64), federation: federation))
let peerBase = "http://127.0.0.1:\(peer.port)"
var receiver = try await startReceiver()
let receiverBase = "http://127.0.0.1:\(receiverHTTP)"

let alice = try await register(peerBase, "alice")
let bob = try await register(receiverBase, "bob")
let roomId = try await request(peerBase, "POST", "/_matrix/client/v3/createRoom", ["preset": "public_chat"],
                               token: alice.token)["room_id"]?.stringValue ?? ""
_ = try await request(receiverBase, "POST",
                      "/_matrix/client/v3/join/\(PathEncoding.segment(roomId))?server_name=\(PathEncoding.segment(config.serverName))",
                      [:], token: bob.token)
print("room \(roomId) shared by \(alice.userId) and \(bob.userId)")

// 1. Throughput of /send: PDUs built and signed as the peer, chained one after another.
guard let services = peer.homeserver.services.federation else { throw BenchError("federation is off") }
let rooms = peer.homeserver.services.rooms
let room = try await rooms.room(roomId)
let version = try rooms.version(of: room)
let tuples = [StateTuple(type: "m.room.create", stateKey: ""), StateTuple(type: "m.room.power_levels", stateKey: ""),
              StateTuple(type: "m.room.member", stateKey: alice.userId)]
let state = try await rooms.store.state(snapshot: room.currentSnapshot ?? 0, tuples: tuples)
let authEvents = tuples.filter { $0.type != "m.room.create" || version.createEventInAuthEvents }.compactMap { state[$0] }
var previous = try await rooms.store.forwardExtremities(roomNid: room.nid)
var depth = previous.map(\.depth).max() ?? 1
var prevIds = previous.map(\.eventId)
var pdus: [PDU] = []
let signingKey = services.keys.localKeys.signingKey
let serverName = try ServerName(parsing: config.serverName)
for index in 0..<sendEvents {
    depth += 1
    let pdu = try EventBuilder.build([
        "type": "m.room.message", "room_id": .string(roomId), "sender": .string(alice.userId),
        "content": ["msgtype": "m.text", "body": .string("sent \(index)")],
        "origin_server_ts": .int(Int64(Date().timeIntervalSince1970 * 1000)), "depth": .int(depth),
        "prev_events": .array(prevIds.map(JSONValue.string)), "auth_events": .array(authEvents.map(JSONValue.string)),
    ], roomVersion: version, server: serverName, key: signingKey)
    pdus.append(pdu)
    prevIds = [pdu.eventId]
}
var accepted = 0
let started = ContinuousClock.now
for (batchIndex, start) in stride(from: 0, to: pdus.count, by: 50).enumerated() {
    let batch = pdus[start..<min(start + 50, pdus.count)]
    let answer = try await services.transport.json(FederationRequest(
        .PUT, destination: receiverName, path: "/_matrix/federation/v1/send/bench\(batchIndex)",
        body: ["origin": .string(config.serverName), "origin_server_ts": 0,
               "pdus": .array(batch.map { .object($0.json) }), "edus": []]))
    accepted += (answer["pdus"]?.objectValue ?? [:]).filter { $0.value.objectValue?.isEmpty == true }.count
}
let elapsed = ContinuousClock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("send: \(accepted) of \(sendEvents) PDUs accepted in \(Double(Int(seconds * 100)) / 100) s = "
      + "\(Int(Double(accepted) / seconds)) events/s (transactions of 50, one at a time)")
print("receiver after send: \(memory(receiver.pid))")

// 2. A gap: the receiver is killed, the peer's user sends GAP_EVENTS messages (the peer keeps only the
// newest queued for the receiver), the receiver starts again and is caught up.
receiver.signal(SIGKILL)
_ = receiver.wait()
for index in 1...gapEvents {
    _ = try await request(peerBase, "PUT",
                          "/_matrix/client/v3/rooms/\(PathEncoding.segment(roomId))/send/m.room.message/gap\(index)",
                          ["msgtype": "m.text", "body": .string("gap \(index)")], token: alice.token)
}
receiver = try await startReceiver()
let before = memory(receiver.pid)
let gapStarted = ContinuousClock.now
var caughtUp = false
for _ in 0..<1200 {
    let page = try await request(receiverBase, "GET",
                                 "/_matrix/client/v3/rooms/\(PathEncoding.segment(roomId))/messages?dir=b&limit=1",
                                 nil, token: bob.token)
    if page["chunk"]?.arrayValue?.first?["content"]?["body"]?.stringValue == "gap \(gapEvents)" {
        caughtUp = true
        break
    }
    try await Task.sleep(for: .milliseconds(100))
}
let gapSeconds = ContinuousClock.now - gapStarted
let page = try await request(receiverBase, "GET",
                             "/_matrix/client/v3/rooms/\(PathEncoding.segment(roomId))/messages?dir=b&limit=100",
                             nil, token: bob.token)
let pulled = (page["chunk"]?.arrayValue ?? []).filter { $0["content"]?["body"]?.stringValue?.hasPrefix("gap ") == true }
print("gap of \(gapEvents): caught up = \(caughtUp) after \(gapSeconds); the newest \(pulled.count) of the gap "
      + "are in the receiver's timeline (the rest stays behind the bound, reachable by backfill)")
print("receiver after restart: \(before)")
print("receiver after the gap: \(memory(receiver.pid))")

receiver.signal(SIGTERM)
_ = receiver.wait()
try await peer.stop()
await http.shutdown()
try? FileManager.default.removeItem(atPath: work)

// MARK: Helpers

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct BenchUser {
    let userId: String
    let token: String
}

/// VmRSS and VmHWM (peak) of a process, from /proc.
func memory(_ pid: pid_t) -> String {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "?" }
    return status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }
        .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .joined(separator: ", ")
}

func request(_ base: String, _ method: String, _ path: String, _ body: JSONValue?, token: String? = nil)
    async throws -> JSONObject
{
    var headers = HTTPHeaders()
    if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
    var payload: ByteBuffer? = nil
    if let body {
        headers.add(name: "Content-Type", value: "application/json")
        payload = ByteBuffer(bytes: CanonicalJSON.encodeLenient(body))
    }
    let response = try await http.execute(.init(method: .init(rawValue: method), url: base + path, headers: headers,
                                                body: payload, timeout: .seconds(120)))
    guard case .object(let object) = try JSONParser.parse(Array(response.body.readableBytesView)) else {
        throw BenchError("\(method) \(path): not a JSON object")
    }
    guard (200..<300).contains(Int(response.status.code)) else {
        throw BenchError("\(method) \(path): \(response.status.code) \(object)")
    }
    return object
}

func register(_ base: String, _ name: String) async throws -> BenchUser {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json")
    let first = try await http.execute(.init(method: .POST, url: base + "/_matrix/client/v3/register", headers: headers,
                                             body: ByteBuffer(bytes: CanonicalJSON.encodeLenient(
                                                 ["username": .string(name), "password": "bench password"]))))
    let session = (try? JSONParser.parse(Array(first.body.readableBytesView)))?["session"]?.stringValue ?? ""
    let answer = try await request(base, "POST", "/_matrix/client/v3/register", [
        "username": .string(name), "password": "bench password",
        "auth": ["type": "m.login.dummy", "session": .string(session)],
    ])
    return BenchUser(userId: answer["user_id"]?.stringValue ?? "", token: answer["access_token"]?.stringValue ?? "")
}

