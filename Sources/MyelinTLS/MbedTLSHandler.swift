import CMbedTLS
import Logging
import NIOCore

/// TLS for one connection, as a SwiftNIO handler over mbedTLS, for either role. mbedTLS never touches
/// the socket: its I/O callbacks read ciphertext from `cipherIn` and append ciphertext to `cipherOut`
/// (a memory BIO), and this handler moves bytes between those buffers and the pipeline.
///
/// Rules learnt from the stack probe (shared/notes/swift-stack-probe.md §7): the mbedTLS context lives at
/// a stable heap address; the callbacks only touch the two buffers, never the pipeline; after the
/// handshake completes, the same read may already hold application records, so decryption continues at
/// once; reads loop until mbedTLS wants more bytes; writes made before the handshake completes wait with
/// their promises; a handshake that does not finish in time closes the connection.
public final class MbedTLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case active
        case closing
        case closed
    }

    private let configuration: MbedTLSConfiguration
    private let serverHostname: String?
    /// For a client connecting to an IP-literal name: the address (4 or 16 bytes) the certificate must
    /// list as an iPAddress SAN, because mbedTLS 2.28 only matches DNS names.
    private let serverIPAddress: [UInt8]?
    private let handshakeTimeout: TimeAmount
    private let logger: Logger
    private var ssl: UnsafeMutablePointer<mbedtls_ssl_context>?
    private var state = State.idle
    private var cipherIn: ByteBuffer
    private var cipherOut: ByteBuffer
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushPending = false
    private var handshakeTimer: Scheduled<Void>?
    private var peer = "?"

    /// Whether the mbedTLS session is still allocated (it is freed when the handler leaves the pipeline).
    var holdsSession: Bool { ssl != nil }

    /// The ALPN protocol agreed in the handshake, if any.
    public private(set) var negotiatedProtocol: String?

    /// Largest plaintext chunk read at once (one TLS record's worth).
    private static let readChunk = 16_384

    /// - Parameters:
    ///   - serverHostname: for clients, the name sent as SNI and checked against the certificate
    ///     (nil for an IP literal: no SNI is sent for those).
    ///   - serverIPAddress: for clients connecting to an IP literal, its bytes in network order (4 or 16);
    ///     the handshake fails unless the verified certificate lists it as an iPAddress SAN.
    public init(configuration: MbedTLSConfiguration, serverHostname: String? = nil, serverIPAddress: [UInt8]? = nil,
                handshakeTimeout: TimeAmount = .seconds(10), logger: Logger) {
        self.configuration = configuration
        self.serverHostname = serverHostname
        self.serverIPAddress = serverIPAddress
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
        self.cipherIn = ByteBuffer()
        self.cipherOut = ByteBuffer()
    }

    deinit {
        freeContext()
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        cipherIn = context.channel.allocator.buffer(capacity: 0)
        cipherOut = context.channel.allocator.buffer(capacity: 0)
        peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        do {
            try makeContext()
        } catch {
            logger.error("TLS setup failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { start(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        failPendingWrites(ChannelError.ioOnClosedChannel)
        freeContext()
    }

    public func channelActive(context: ChannelHandlerContext) {
        peer = context.channel.remoteAddress.map { "\($0)" } ?? peer
        start(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if state == .handshaking {
            logger.info("TLS handshake abandoned by the peer", metadata: ["peer": "\(peer)"])
        }
        state = .closed
        handshakeTimer?.cancel()
        failPendingWrites(ChannelError.ioOnClosedChannel)
        // Nothing more can be read or written: free the session now rather than when the pipeline is
        // torn down, which may be later (or, with some channels, not at all).
        freeContext()
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard state == .idle, ssl != nil else { return }
        state = .handshaking
        let timeout = handshakeTimeout
        // Weak captures: a pending (even cancelled) timer must not keep a closed connection's handler and
        // its mbedTLS context alive.
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self, weak context] in
            guard let self, let context, self.state == .handshaking else { return }
            self.logger.info("TLS handshake timed out", metadata: ["peer": "\(self.peer)", "timeout": "\(timeout)"])
            self.state = .closing
            context.close(promise: nil)
        }
        // A client speaks first; a server waits for the ClientHello.
        if configuration.role == .client { driveHandshake(context: context) }
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard state == .handshaking || state == .active else { return }
        cipherIn.writeBuffer(&bytes)
        switch state {
        case .handshaking: driveHandshake(context: context)
        case .active: readPlaintext(context: context)
        default: break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        writeCiphertext(context: context, promise: nil, flush: true)
        context.fireChannelReadComplete()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // TCP FIN without close_notify: possibly a truncation attack; nothing more can be trusted.
            if state == .handshaking || state == .active {
                logger.debug("TLS peer closed its side without close_notify", metadata: ["peer": "\(peer)"])
            }
            state = .closing
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func driveHandshake(context: ChannelHandlerContext) {
        guard let ssl else { return }
        let rc = mbedtls_ssl_handshake(ssl)
        writeCiphertext(context: context, promise: nil, flush: true)
        switch rc {
        case 0:
            handshakeTimer?.cancel()
            handshakeTimer = nil
            state = .active
            if let alpn = mbedtls_ssl_get_alpn_protocol(ssl) { negotiatedProtocol = String(cString: alpn) }
            // Queued writes go out before the event: a handler that writes on the event must come after them.
            let queued = pendingWrites
            pendingWrites = []
            for (buffer, promise) in queued { encrypt(buffer, promise: promise, context: context) }
            if flushPending || !queued.isEmpty {
                flushPending = false
                writeCiphertext(context: context, promise: nil, flush: true)
            }
            context.fireUserInboundEventTriggered(TLSHandshakeCompleted(negotiatedProtocol: negotiatedProtocol))
            // The last handshake flight and the first request can arrive in one segment.
            if cipherIn.readableBytes > 0 { readPlaintext(context: context) }
        case MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_SSL_WANT_WRITE:
            break
        default:
            let detail = verificationDetail()
            fail(context: context, MbedTLSError(rc, "TLS handshake", verification: detail), detail: detail)
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        guard let ssl else { return }
        while state == .active {
            var buffer = context.channel.allocator.buffer(capacity: Self.readChunk)
            var rc: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readChunk) { pointer in
                rc = mbedtls_ssl_read(ssl, pointer.baseAddress?.assumingMemoryBound(to: UInt8.self), pointer.count)
                return rc > 0 ? Int(rc) : 0
            }
            if rc > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                continue
            }
            switch rc {
            case MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_SSL_WANT_WRITE:
                return
            case 0, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
                // The peer finished cleanly: answer its close_notify and close.
                logger.trace("TLS close_notify received", metadata: ["peer": "\(peer)"])
                closeGracefully(context: context, promise: nil)
                return
            default:
                fail(context: context, MbedTLSError(rc, "TLS read"), detail: nil)
                return
            }
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .active:
            encrypt(buffer, promise: promise, context: context)
        case .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .idle, .handshaking: flushPending = true
        case .active: context.flush()
        case .closing, .closed: context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        closeGracefully(context: context, promise: promise)
    }

    /// Encrypts one plaintext buffer; mbedTLS may take it in several records (partial writes).
    private func encrypt(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard let ssl else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var plaintext = plaintext
        while plaintext.readableBytes > 0 {
            let rc = plaintext.withUnsafeReadableBytes { pointer in
                mbedtls_ssl_write(ssl, pointer.baseAddress?.assumingMemoryBound(to: UInt8.self), pointer.count)
            }
            guard rc > 0 else {
                promise?.fail(MbedTLSError(rc, "TLS write"))
                fail(context: context, MbedTLSError(rc, "TLS write"), detail: nil)
                return
            }
            plaintext.moveReaderIndex(forwardBy: Int(rc))
        }
        writeCiphertext(context: context, promise: promise, flush: false)
    }

    /// Sends close_notify (once) and closes the connection.
    private func closeGracefully(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        switch state {
        case .closed:
            promise?.fail(ChannelError.alreadyClosed)
            return
        case .closing:
            context.close(promise: promise)
            return
        case .active:
            if let ssl { _ = mbedtls_ssl_close_notify(ssl) }
            writeCiphertext(context: context, promise: nil, flush: true)
        case .idle, .handshaking:
            break
        }
        state = .closing
        handshakeTimer?.cancel()
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.close(promise: promise)
    }

    private func fail(context: ChannelHandlerContext, _ error: MbedTLSError, detail: String?) {
        guard state != .closing && state != .closed else { return }
        var metadata: Logger.Metadata = ["peer": "\(peer)", "error": "\(error.message)"]
        if let detail { metadata["verification"] = "\(detail)" }
        if state == .handshaking {
            logger.notice("TLS handshake failed", metadata: metadata)
        } else {
            logger.info("TLS connection failed", metadata: metadata)
        }
        state = .closing
        handshakeTimer?.cancel()
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    /// Moves what mbedTLS produced to the socket.
    private func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, flush: Bool) {
        if cipherOut.readableBytes > 0 {
            let out = cipherOut
            cipherOut = context.channel.allocator.buffer(capacity: 0)
            context.write(wrapOutboundOut(out), promise: promise)
        } else if let promise {
            promise.succeed()
        }
        if flush { context.flush() }
    }

    private func failPendingWrites(_ error: any Error) {
        let queued = pendingWrites
        pendingWrites = []
        for (_, promise) in queued { promise?.fail(error) }
    }

    /// Why certificate verification failed, in mbedTLS's words (clients only).
    private func verificationDetail() -> String? {
        guard configuration.role == .client, let ssl else { return nil }
        let flags = mbedtls_ssl_get_verify_result(ssl)
        guard flags != 0, flags != UInt32.max else { return nil }
        var buffer = [CChar](repeating: 0, count: 512)
        mbedtls_x509_crt_verify_info(&buffer, buffer.count, "", flags)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
            .split(separator: "\n").joined(separator: "; ")
        // For an IP literal the "CN" mismatch is our iPAddress SAN check: say so.
        if serverIPAddress != nil, flags & UInt32(MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0 {
            return text + " (the server's IP address is not among the certificate's iPAddress SANs)"
        }
        return text
    }

    // MARK: The mbedTLS context

    private func makeContext() throws(MbedTLSError) {
        let context = UnsafeMutablePointer<mbedtls_ssl_context>.allocate(capacity: 1)
        mbedtls_ssl_init(context)
        ssl = context
        try check(mbedtls_ssl_setup(context, configuration.config), "TLS session setup")
        if let serverHostname {
            try check(mbedtls_ssl_set_hostname(context, serverHostname), "setting the server name")
        }
        if serverIPAddress != nil {
            // Runs inside mbedtls_ssl_handshake (this handler is alive and on its event loop) for each
            // certificate of the chain after mbedTLS's own checks; flagging the leaf makes mbedTLS fail
            // the handshake with a bad_certificate alert before any request is sent.
            mbedtls_ssl_set_verify(context, { handlerPointer, certificate, depth, flags in
                guard let handlerPointer, let certificate, let flags else { return MBEDTLS_ERR_X509_BAD_INPUT_DATA }
                let handler = Unmanaged<MbedTLSHandler>.fromOpaque(handlerPointer).takeUnretainedValue()
                if depth == 0, let expected = handler.serverIPAddress,
                   !certificateListsIPAddress(certificate, expected) {
                    flags.pointee |= UInt32(MBEDTLS_X509_BADCERT_CN_MISMATCH)
                }
                return 0
            }, Unmanaged.passUnretained(self).toOpaque())
        }
        mbedtls_ssl_set_bio(context, Unmanaged.passUnretained(self).toOpaque(), { handlerPointer, bytes, count in
            guard let handlerPointer, let bytes else { return MBEDTLS_ERR_SSL_INTERNAL_ERROR }
            let handler = Unmanaged<MbedTLSHandler>.fromOpaque(handlerPointer).takeUnretainedValue()
            handler.cipherOut.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            return Int32(clamping: count)
        }, { handlerPointer, bytes, count in
            guard let handlerPointer, let bytes else { return MBEDTLS_ERR_SSL_INTERNAL_ERROR }
            let handler = Unmanaged<MbedTLSHandler>.fromOpaque(handlerPointer).takeUnretainedValue()
            let available = min(count, handler.cipherIn.readableBytes)
            guard available > 0 else { return MBEDTLS_ERR_SSL_WANT_READ }
            handler.cipherIn.withUnsafeReadableBytes { source in
                UnsafeMutableRawPointer(bytes).copyMemory(from: source.baseAddress!, byteCount: available)
            }
            handler.cipherIn.moveReaderIndex(forwardBy: available)
            if handler.cipherIn.readableBytes == 0 { handler.cipherIn.clear() }
            return Int32(available)
        }, nil)
    }

    private func freeContext() {
        guard let ssl else { return }
        mbedtls_ssl_free(ssl)
        ssl.deallocate()
        self.ssl = nil
    }
}

/// Fired down the pipeline once the handshake is done.
public struct TLSHandshakeCompleted: Sendable, Equatable {
    public let negotiatedProtocol: String?
}
