#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// A stored file to stream to a client: its path and the size it must have.
public struct MediaFile: Sendable {
    public let path: String
    public let size: Int64

    /// The file as 64 KiB buffers, each read on NIO's thread pool. The file is opened at the first
    /// `next()` and closed at the end, on an error, or when the iterator goes away.
    public func chunks(chunkSize: Int = 64 * 1024, threadPool: NIOThreadPool = .singleton) -> MediaFileChunks {
        MediaFileChunks(file: self, chunkSize: chunkSize, threadPool: threadPool)
    }
}

public struct MediaFileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let file: MediaFile
    let chunkSize: Int
    let threadPool: NIOThreadPool

    public func makeAsyncIterator() -> Iterator {
        Iterator(file: file, chunkSize: chunkSize, threadPool: threadPool)
    }

    public final class Iterator: AsyncIteratorProtocol {
        let file: MediaFile
        let chunkSize: Int
        let threadPool: NIOThreadPool
        private var fd: Int32 = -1
        private var offset: Int64 = 0

        init(file: MediaFile, chunkSize: Int, threadPool: NIOThreadPool) {
            self.file = file
            self.chunkSize = chunkSize
            self.threadPool = threadPool
        }

        deinit {
            if fd >= 0 { close(fd) }
        }

        public func next() async throws -> ByteBuffer? {
            guard offset < file.size else {
                closeFile()
                return nil
            }
            let path = file.path
            if fd < 0 {
                fd = try await threadPool.runIfActive {
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else { throw MediaStoreError(operation: "open", path: path, errno: errno) }
                    return fd
                }
            }
            let (fd, offset) = (self.fd, self.offset)
            let length = Int(Swift.min(Int64(chunkSize), file.size - offset))
            do {
                let buffer = try await threadPool.runIfActive {
                    var buffer = ByteBufferAllocator().buffer(capacity: length)
                    let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
                        while true {
                            let count = pread(fd, raw.baseAddress, length, off_t(offset))
                            if count < 0 && errno == EINTR { continue }
                            guard count >= 0 else { throw MediaStoreError(operation: "read", path: path, errno: errno) }
                            return count
                        }
                    }
                    guard count > 0 else {
                        throw MediaStoreError(operation: "read (file shorter than recorded)", path: path, errno: EIO)
                    }
                    return buffer
                }
                self.offset += Int64(buffer.readableBytes)
                return buffer
            } catch {
                closeFile()
                throw error
            }
        }

        private func closeFile() {
            if fd >= 0 {
                close(fd)
                fd = -1
            }
        }
    }
}
