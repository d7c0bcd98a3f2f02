import HTTPTypes
import Logging
@testable import MyelinHTTP
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The request deadlines on an embedded channel, whose clock the test moves: no sockets, no sleeping.
@Suite struct RequestDeadlineHandlerTests {
    private func channel(headTimeout: Int64 = 30, window: Int64 = 10, minBytesPerWindow: Int = 10_240) throws
        -> EmbeddedChannel
    {
        let handler = RequestDeadlineHandler(
            deadlines: .init(headTimeout: .seconds(headTimeout), window: .seconds(window),
                             minBytesPerWindow: minBytesPerWindow),
            faults: ClientFaultLog(logger: Logger(label: "test")))
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private var head: HTTPRequestPart {
        .head(HTTPRequest(method: .put, scheme: nil, authority: "localhost", path: "/x"))
    }

    @Test func aHeadMustArriveInTime() throws {
        let channel = try channel(headTimeout: 30)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aBodyMustKeepArriving() throws {
        let channel = try channel(window: 10, minBytesPerWindow: 10_240)
        try channel.writeInbound(head)
        // Enough in the first window, then a trickle in the second.
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: 0x20, count: 20_000)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: 0x20, count: 100)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test func nothingIsTimedWhileTheServerPreparesItsAnswer() throws {
        let channel = try channel(headTimeout: 5, window: 1)
        try channel.writeInbound(head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // A long-poll: minutes without a byte either way.
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(channel.isActive)
        // Answered: the next head is due within the head timeout.
        channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(!channel.isActive)
    }

    @Test func anAnswerBeforeTheBodyClosesTheConnection() throws {
        let channel = try channel()
        try channel.writeInbound(head)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        let written = try channel.readOutbound(as: HTTPResponsePart.self)
        guard case .head(let response)? = written else {
            Issue.record("no response head written")
            return
        }
        #expect(response.headerFields[.connection] == "close")
        // The close lingers, dropping what the client still sends, so it can read the answer first.
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: 0x20, count: 1000)))
        #expect(try channel.readInbound(as: HTTPRequestPart.self) != nil)  // the head, passed on before
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)  // the late body part, dropped
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(!channel.isActive)
    }

    @Test func aLingeringCloseEndsOnceTheBodyHasCome() throws {
        let channel = try channel()
        try channel.writeInbound(head)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .unauthorized)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(channel.isActive)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(!channel.isActive)
    }

    @Test func aCompleteRequestKeepsItsConnection() throws {
        let channel = try channel()
        try channel.writeInbound(head)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: 0x20, count: 10)))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        guard case .head(let response)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head written")
            return
        }
        #expect(response.headerFields[.connection] == nil)
        #expect(channel.isActive)
    }
}
