import Foundation
import Logging
@testable import MyelinTLS
import NIOCore
import NIOEmbedded
import Testing

/// The mbedTLS handler in memory: a client and a server handler wired through EmbeddedChannels, bytes
/// moved by hand, so record boundaries (split, merged) and garbage can be controlled exactly.
@Suite struct TLSHandlerTests {
    static let logger: Logger = {
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical
        return logger
    }()

    static let serverConfiguration: MbedTLSConfiguration = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-tlsh-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pair = try? SelfSignedCertificate.generate(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: [])
        try? pair?.certificatePEM.write(toFile: dir + "/c.pem", atomically: true, encoding: .utf8)
        try? pair?.privateKeyPEM.write(toFile: dir + "/k.pem", atomically: true, encoding: .utf8)
        // A failure here shows up as a clear test failure below (the force is on our own files).
        return try! MbedTLSConfiguration.server(certificateChainPath: dir + "/c.pem", privateKeyPath: dir + "/k.pem")
    }()

    static let clientConfiguration: MbedTLSConfiguration = {
        try! MbedTLSConfiguration.client(caDirectory: nil, verify: false)
    }()

    /// Records inbound plaintext and events.
    final class Sink: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received: [UInt8] = []
        var handshakeCompleted = false
        var errors: [any Error] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is TLSHandshakeCompleted { handshakeCompleted = true }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            errors.append(error)
        }
    }

    struct Pair {
        let client: EmbeddedChannel
        let server: EmbeddedChannel
        let clientSink: Sink
        let serverSink: Sink
    }

    static func makePair() throws -> Pair {
        let clientSink = Sink()
        let serverSink = Sink()
        let client = EmbeddedChannel(handlers: [
            MbedTLSHandler(configuration: clientConfiguration, serverHostname: "localhost", logger: logger), clientSink,
        ])
        let server = EmbeddedChannel(handlers: [
            MbedTLSHandler(configuration: serverConfiguration, logger: logger), serverSink,
        ])
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2)).wait()
        return Pair(client: client, server: server, clientSink: clientSink, serverSink: serverSink)
    }

    /// Everything one side wrote, concatenated.
    static func drain(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return bytes
    }

    static func deliver(_ bytes: [UInt8], to channel: EmbeddedChannel, chunk: Int? = nil) throws {
        guard !bytes.isEmpty else { return }
        let size = chunk ?? bytes.count
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + size, bytes.count)
            try channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
    }

    /// Shuttles bytes both ways until neither side has anything to say.
    static func shuttle(_ pair: Pair, chunk: Int? = nil) throws {
        for _ in 0..<20 {
            let toServer = try drain(pair.client)
            let toClient = try drain(pair.server)
            if toServer.isEmpty && toClient.isEmpty { return }
            try deliver(toServer, to: pair.server, chunk: chunk)
            try deliver(toClient, to: pair.client, chunk: chunk)
        }
    }

    @Test(arguments: [nil, 1, 7, 300] as [Int?])
    func handshakeAndDataWithAnyRecordSplitting(chunk: Int?) throws {
        let pair = try Self.makePair()
        // Written before the handshake is done: must wait, then go out encrypted.
        pair.client.writeAndFlush(ByteBuffer(string: "early request"), promise: nil)
        try Self.shuttle(pair, chunk: chunk)
        #expect(pair.clientSink.handshakeCompleted)
        #expect(pair.serverSink.handshakeCompleted)
        #expect(pair.serverSink.received == Array("early request".utf8))
        // A write bigger than one record is split into several (partial writes).
        let big = [UInt8](repeating: 0x61, count: 100_000)
        pair.server.writeAndFlush(ByteBuffer(bytes: big), promise: nil)
        try Self.shuttle(pair, chunk: chunk)
        #expect(pair.clientSink.received == big)
        _ = try? pair.client.finish()
        _ = try? pair.server.finish()
    }

    @Test func finishedFlightMergedWithApplicationData() throws {
        let pair = try Self.makePair()
        // Queued on the server before its handshake is done; it goes out right after the server's Finished.
        pair.server.writeAndFlush(ByteBuffer(string: "hello from the server"), promise: nil)
        try Self.deliver(try Self.drain(pair.client), to: pair.server)  // ClientHello
        try Self.deliver(try Self.drain(pair.server), to: pair.client)  // ServerHello ... ServerHelloDone
        try Self.deliver(try Self.drain(pair.client), to: pair.server)  // ClientKeyExchange ... Finished
        #expect(pair.serverSink.handshakeCompleted)
        #expect(!pair.clientSink.handshakeCompleted)
        // The server's ChangeCipherSpec, Finished and first application record arrive in one read.
        let merged = try Self.drain(pair.server)
        try pair.client.writeInbound(ByteBuffer(bytes: merged))
        #expect(pair.clientSink.handshakeCompleted)
        #expect(pair.clientSink.received == Array("hello from the server".utf8))
        _ = try? pair.client.finish()
        _ = try? pair.server.finish()
    }

    /// Garbage and truncated or mutated handshakes: never a crash, the connection is closed, and the
    /// mbedTLS session is freed.
    @Test func fuzzedInputClosesTheConnectionWithoutLeaking() throws {
        let helloSource = try Self.makePair()
        let clientHello = try Self.drain(helloSource.client)
        _ = try? helloSource.client.finish()
        _ = try? helloSource.server.finish()
        #expect(clientHello.count > 50)

        var generator = SeededGenerator(seed: 0x4D59_454C)
        var inputs: [[UInt8]] = []
        for length in stride(from: 1, to: clientHello.count, by: 3) { inputs.append(Array(clientHello.prefix(length))) }
        for _ in 0..<200 {
            var mutated = clientHello
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            inputs.append(mutated)
        }
        for _ in 0..<200 {
            inputs.append((0..<Int.random(in: 1...2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        // Plausible record headers with absurd lengths.
        inputs.append([0x16, 0x03, 0x03, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 100))
        inputs.append([0x17, 0x03, 0x03, 0x00, 0x10] + [UInt8](repeating: 0x41, count: 16))

        var closedEarly = 0
        for input in inputs {
            let handler = MbedTLSHandler(configuration: Self.serverConfiguration, logger: Self.logger)
            let channel = EmbeddedChannel(handlers: [handler, Sink()])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3)).wait()
            _ = try? channel.writeInbound(ByteBuffer(bytes: input))
            if !channel.isActive { closedEarly += 1 }
            _ = try? channel.finish()
            // Once the connection is gone, so is its mbedTLS session (the handler frees it on removal).
            #expect(!channel.isActive)
            #expect(!handler.holdsSession, "an mbedTLS session outlived its connection")
        }
        // Truncated hellos just wait for more bytes (until the handshake timeout); the rest are refused.
        #expect(closedEarly > inputs.count / 3)
    }

    @Test func handshakeTimeoutClosesAStalledConnection() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(
            handlers: [MbedTLSHandler(configuration: Self.serverConfiguration, handshakeTimeout: .seconds(5),
                                      logger: Self.logger)],
            loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4)).wait()
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0xC8, 0x01]))
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        _ = try? channel.finish()
    }
}

/// A deterministic generator, so a fuzz failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
