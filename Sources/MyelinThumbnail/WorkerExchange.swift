import Glibc

/// One request/response round trip on the worker's pipes, with a deadline. Blocking: it runs on a
/// dedicated thread (BlockingThread). Frame format: 4-byte big-endian header length, flat JSON header,
/// then `length` payload bytes (see the protocol comment in myelin-thumbnailer/WorkerProtocol.swift).
struct WorkerExchange {
    let worker: WorkerProcess
    let deadline: ContinuousClock.Instant
    let maxPayloadBytes: Int

    static let maxHeaderBytes = 65_536

    enum Failure: Error {
        case timedOut
        /// End of stream or I/O error: the worker died or closed its pipes.
        case closed(String)
        /// The worker sent something that is not a valid frame.
        case protocolError(String)
        case payloadTooLarge(Int)
    }

    /// Writes the request header, reads the response header, lets `payloadLength` pick the length
    /// of the payload out of it, then reads the payload.
    func roundTrip(request: [UInt8], payloadLength: ([UInt8]) throws(Failure) -> Int)
        throws(Failure) -> (header: [UInt8], payload: [UInt8]) {
        let length = UInt32(request.count)
        // The request is small (≤ 64 KiB, one pipe buffer) and the pipe is empty between requests,
        // so this write cannot block on a live worker; EPIPE means a dead one.
        try write([UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
                   UInt8(length & 0xFF)] + request)
        let prefix = try read(count: 4)
        let headerLength = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
        guard headerLength > 0, headerLength <= Self.maxHeaderBytes else {
            throw .protocolError("header length \(headerLength)")
        }
        let header = try read(count: headerLength)
        let payloadCount = try payloadLength(header)
        guard payloadCount >= 0 else { throw .protocolError("negative payload length") }
        guard payloadCount <= maxPayloadBytes else { throw .payloadTooLarge(payloadCount) }
        return (header, try read(count: payloadCount))
    }

    private func write(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.write(worker.requestFD, raw.baseAddress.map { $0 + sent }, raw.count - sent)
            }
            if result > 0 { sent += result; continue }
            if result < 0 && errno == EINTR { continue }
            throw .closed("write: errno \(errno)")
        }
    }

    private func read(count: Int) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            try waitReadable()
            let result = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(worker.responseFD, raw.baseAddress.map { $0 + filled }, count - filled)
            }
            if result > 0 { filled += result; continue }
            if result == 0 { throw .closed("end of stream") }
            if errno == EINTR || errno == EAGAIN { continue }
            throw .closed("read: errno \(errno)")
        }
        return buffer
    }

    /// poll() until the response pipe has data (or end of stream) or the deadline passes.
    private func waitReadable() throws(Failure) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw .timedOut }
            let (seconds, attoseconds) = remaining.components
            let millis = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: worker.responseFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, millis)
            if ready > 0 { return }  // readable, or HUP/ERR: the read() that follows reports which
            if ready < 0 && errno != EINTR { throw .closed("poll: errno \(errno)") }
        }
    }
}
