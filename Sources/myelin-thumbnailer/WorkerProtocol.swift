import Glibc

// myelin-thumbnailer wire protocol (stdin → worker, worker → stdout; stderr is free-form logging).
//
// Every message is a frame:
//
//     [4-byte big-endian N] [N bytes: a flat JSON object, UTF-8]   then, in responses only,
//     [L bytes of payload] where L is the header's "length" (0 or absent = no payload).
//
// Header limit: N ≤ 65536 (both directions). Payload limit: L ≤ 256 MiB from the worker, and
// the client enforces its own lower cap. A frame that breaks a limit or is not valid flat JSON makes
// the worker exit with status 2 (the stream can no longer be trusted to be in sync).
//
// Requests (answered strictly one at a time, in order; "id" is echoed back):
//
//   {"id":7,"op":"thumbnail","path":"/var/lib/myelin/media/ab/cdef","width":320,"height":240,
//    "method":"scale","animated":false,"max_input_pixels":32000000}
//       method "crop": exactly width×height, centre crop (upscales if the source is smaller);
//       method "scale": fit inside width×height keeping aspect ratio, never upscaling.
//       width and height: 1...4096. EXIF orientation is applied; metadata is stripped.
//       Output format: JPEG → JPEG (Q 80), PNG → PNG, WebP → WebP (Q 80), GIF → PNG.
//       animated: keep the frames of an animated GIF/WebP (GIF → animated GIF, WebP → animated WebP).
//       max_input_pixels: refuse a source whose width×height (one frame) exceeds it, from the header
//       alone; an animation whose frames together exceed it gets a still thumbnail instead.
//   {"id":8,"op":"info","path":"..."}      format, width, height (of one frame) and frame count.
//   {"id":9,"op":"stats"}                   libvips live objects / tracked memory / open files, for leak tests.
//
// Responses:
//
//   {"id":7,"ok":true,"content_type":"image/jpeg","width":320,"height":213,"frames":1,"length":12345}
//       followed by 12345 bytes of image.
//   {"id":8,"ok":true,"format":"gif","width":400,"height":300,"frames":5,"length":0}
//   {"id":9,"ok":true,"objects":0,"tracked_bytes":0,"tracked_allocs":0,"open_files":0,"length":0}
//   {"id":7,"ok":false,"error":"image too large: 8000x6000","length":0}
//       error is one of a fixed set (plus dimensions), never libvips's own text: "unsupported format",
//       "image too large: WxH" (the source's size), "corrupt image" (also truncated data), "empty file",
//       "file not found", "bad request: FIELD".
//
// A worker crash or hang is handled by the client (kill + respawn); the worker never needs to
// recover from a broken stream, so it simply exits on one.

enum WorkerProtocol {
    static let maxHeaderBytes = 65_536
    static let maxPayloadBytes = 256 * 1024 * 1024

    enum ReadResult {
        case frame([UInt8])
        case endOfStream
    }

    struct StreamError: Error {
        let reason: String
    }

    /// Reads one header frame from `fd`. End of stream exactly at a frame boundary is the normal
    /// shutdown signal (the server closed our stdin); anywhere else it is an error.
    static func readFrame(fd: Int32) throws(StreamError) -> ReadResult {
        var prefix = [UInt8](repeating: 0, count: 4)
        let got = try readFully(fd: fd, into: &prefix)
        if got == 0 { return .endOfStream }
        guard got == 4 else { throw StreamError(reason: "truncated frame length") }
        let length = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
        guard length > 0, length <= maxHeaderBytes else { throw StreamError(reason: "header length \(length) out of bounds") }
        var header = [UInt8](repeating: 0, count: length)
        guard try readFully(fd: fd, into: &header) == length else { throw StreamError(reason: "truncated header") }
        return .frame(header)
    }

    /// Writes a header frame and its payload.
    static func writeFrame(fd: Int32, header: [UInt8], payload: UnsafeRawBufferPointer?) throws(StreamError) {
        let length = UInt32(header.count)
        let prefix: [UInt8] = [UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF),
                               UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        let frame = prefix + header
        try frame.withUnsafeBytes { bytes in writeFully(fd: fd, bytes) }.get()
        if let payload, payload.count > 0 { try writeFully(fd: fd, payload).get() }
    }

    /// Returns the number of bytes read; less than the buffer only at end of stream.
    private static func readFully(fd: Int32, into buffer: inout [UInt8]) throws(StreamError) -> Int {
        var filled = 0
        let total = buffer.count
        while filled < total {
            let result = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + filled }, total - filled)
            }
            if result > 0 { filled += result; continue }
            if result == 0 { return filled }
            if errno == EINTR { continue }
            throw StreamError(reason: "read failed: errno \(errno)")
        }
        return filled
    }

    /// Returns a Result rather than throwing so it can run inside withUnsafeBytes, whose rethrows
    /// would erase the typed error.
    private static func writeFully(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Void, StreamError> {
        guard let base = bytes.baseAddress else { return .success(()) }
        var sent = 0
        while sent < bytes.count {
            let result = write(fd, base + sent, bytes.count - sent)
            if result > 0 { sent += result; continue }
            if result < 0 && errno == EINTR { continue }
            return .failure(StreamError(reason: "write failed: errno \(errno)"))
        }
        return .success(())
    }
}
