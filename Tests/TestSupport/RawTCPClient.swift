import Foundation
import Glibc

/// A bare TCP connection to a loopback port: for tests that must control exactly when a client stops
/// talking or goes away (half-close, close mid-request), which HTTP client libraries hide.
public final class RawTCPClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private var fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect: \(errno)")
        }
    }

    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: \(errno)") }
            sent += written
        }
    }

    /// Stops sending (half-close): the server sees end of input but may still answer.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// What a non-blocking read found.
    private enum Arrival {
        case data
        case closed
        case nothingYet
    }

    /// Appends what the server has sent so far to `bytes` without waiting.
    private func receiveAvailable(into bytes: inout [UInt8]) -> Arrival {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            bytes += buffer[0..<count]
            return .data
        }
        return count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ? .closed : .nothingYet
    }

    /// What the server sends until it closes the connection (`closed`) or `seconds` pass without it closing.
    /// Polls without blocking a thread: the server under test runs in the same process, on the same few
    /// threads, and a blocked read would keep it from answering.
    public func readUntilClosed(seconds: Double = 20) async -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var bytes: [UInt8] = []
        while true {
            switch receiveAvailable(into: &bytes) {
            case .data: continue
            case .closed: return (String(decoding: bytes, as: UTF8.self), true)
            case .nothingYet: break
            }
            // Checked after a read, so a sleep that overran the deadline (a busy machine) still reads once more.
            if ContinuousClock.now >= deadline { return (String(decoding: bytes, as: UTF8.self), false) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// One whole response (head and `Content-Length` body) on a connection that stays open, or what came
    /// within `seconds`.
    public func readResponse(seconds: Double = 20) async -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var bytes: [UInt8] = []
        while true {
            switch receiveAvailable(into: &bytes) {
            case .data:
                if Self.isCompleteResponse(String(decoding: bytes, as: UTF8.self)) {
                    return String(decoding: bytes, as: UTF8.self)
                }
                continue
            case .closed: return String(decoding: bytes, as: UTF8.self)
            case .nothingYet: break
            }
            if ContinuousClock.now >= deadline { return String(decoding: bytes, as: UTF8.self) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether `text` holds a response head and all of the body its `Content-Length` names.
    private static func isCompleteResponse(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }

    /// Sends as much of `text` as the server takes within `seconds`, without blocking a thread; false when
    /// the server closed the connection or stopped reading.
    @discardableResult
    public func trySend(_ text: String, seconds: Double = 5) async -> Bool {
        let bytes = Array(text.utf8)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if written > 0 {
                sent += written
                continue
            }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { return false }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Closes the connection (the server sees end of input).
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
