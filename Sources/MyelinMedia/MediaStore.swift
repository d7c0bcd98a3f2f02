#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MatrixCore
import NIOCore
import NIOPosix

/// A content file as stored: its name (SHA-256 hex) and size.
public struct StoredContent: Sendable, Equatable {
    public let sha256: String
    public let size: Int64
}

/// Content-addressed files on disk: `<directory>/<first 2 hex>/<sha256 hex>`. Identical content shares one
/// file. A file is written to a temporary name (`.tmp-…`) in its final directory, fsynced, then renamed
/// into place and the directory fsynced: a crash leaves at worst a temporary file, which is never served
/// (only final names are ever opened) and is removed by `prepare()` at the next start.
///
/// A hash is *pinned* from the moment its file is written until the caller has recorded (or given up
/// recording) a row that references it; a file is deleted only when it is unpinned and no row names it.
/// All blocking file work runs on NIO's thread pool, never on the cooperative pool.
public actor MediaStore {
    public nonisolated let directory: String
    private let threadPool: NIOThreadPool
    private var pins: [String: Int] = [:]
    private var deleting: Set<String> = []

    static let temporaryPrefix = ".tmp-"

    public init(directory: String, threadPool: NIOThreadPool = .singleton) {
        self.directory = directory
        self.threadPool = threadPool
    }

    /// The final path of a content file.
    public nonisolated func path(for sha256: String) -> String {
        "\(directory)/\(sha256.prefix(2))/\(sha256)"
    }

    /// Creates the directory and removes temporary files a crash left behind; returns how many.
    @discardableResult
    public func prepare() async throws -> Int {
        let directory = self.directory
        return try await threadPool.runIfActive {
            try FileOps.makeDirectory(directory)
            var removed = 0
            // Uploads stream to the top directory (their name is known only at the end).
            for name in try FileOps.list(directory) where name.hasPrefix(Self.temporaryPrefix) {
                try FileOps.remove("\(directory)/\(name)")
                removed += 1
            }
            for shard in try FileOps.list(directory) where shard.utf8.count == 2 {
                for name in try FileOps.list("\(directory)/\(shard)") where name.hasPrefix(Self.temporaryPrefix) {
                    try FileOps.remove("\(directory)/\(shard)/\(name)")
                    removed += 1
                }
            }
            return removed
        }
    }

    /// Hashes and stores `buffer` (once per distinct content) and pins its hash: call `unpin` after the
    /// row that references it is written or abandoned.
    public func store(_ buffer: ByteBuffer) async throws -> StoredContent {
        let sha256 = try await threadPool.runIfActive { ContentHash.hex(of: buffer) }
        try await pin(sha256)
        do {
            let path = self.path(for: sha256)
            let directory = "\(self.directory)/\(sha256.prefix(2))"
            try await threadPool.runIfActive {
                if FileOps.size(path) == Int64(buffer.readableBytes) { return }
                try FileOps.makeDirectory(directory)
                try FileOps.writeAtomically(buffer, to: path, temporaryIn: directory, prefix: Self.temporaryPrefix)
            }
        } catch {
            unpinOnly(sha256)
            throw error
        }
        return StoredContent(sha256: sha256, size: Int64(buffer.readableBytes))
    }

    /// Writes `chunks` (an upload, as it arrives) to a temporary file while hashing it, then stores it like
    /// `store` (pinned): no more than one chunk is ever in memory. Past `maxBytes` it throws `tooLarge`;
    /// after any failure nothing of it is left on disk. Also returns the first bytes, for content sniffing.
    public nonisolated func store<Chunks: AsyncSequence & Sendable>(streaming chunks: Chunks, maxBytes: Int,
                                                                    headLength: Int) async throws
        -> (content: StoredContent, head: [UInt8]) where Chunks.Element == ByteBuffer
    {
        let temporary = "\(directory)/\(Self.temporaryPrefix)\(MediaID.generate())"
        let pool = threadPool
        let fd = try await pool.runIfActive { try FileOps.createExclusive(temporary) }
        var hasher = SHA256.Hasher()
        var head: [UInt8] = []
        var size = 0
        do {
            for try await chunk in chunks {
                size += chunk.readableBytes
                guard size <= maxBytes else {
                    throw MatrixError.tooLarge("Cannot upload files larger than \(maxBytes) bytes")
                }
                if head.count < headLength { head += chunk.readableBytesView.prefix(headLength - head.count) }
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                try await pool.runIfActive { try FileOps.writeAll(fd, chunk, path: temporary) }
            }
            try await pool.runIfActive {
                try FileOps.sync(fd, path: temporary)
                FileOps.closeFile(fd)
            }
        } catch {
            try? await pool.runIfActive {
                FileOps.closeFile(fd)
                try FileOps.remove(temporary)
            }
            throw error
        }
        let sha256 = Hex.encode(hasher.finalize())
        try await adopt(temporary, sha256: sha256, size: Int64(size))
        return (StoredContent(sha256: sha256, size: Int64(size)), head)
    }

    /// Pins `sha256` and moves a complete temporary file to its content address (or drops it when that
    /// content is already stored).
    private func adopt(_ temporary: String, sha256: String, size: Int64) async throws {
        try await pin(sha256)
        let path = self.path(for: sha256)
        let shard = "\(directory)/\(sha256.prefix(2))"
        do {
            try await threadPool.runIfActive {
                if FileOps.size(path) == size {
                    try FileOps.remove(temporary)
                    return
                }
                try FileOps.makeDirectory(shard)
                try FileOps.moveIntoPlace(temporary, to: path, directory: shard)
            }
        } catch {
            unpinOnly(sha256)
            try? await threadPool.runIfActive { try FileOps.remove(temporary) }
            throw error
        }
    }

    /// Releases a pin taken by `store`.
    public func unpin(_ sha256: String) {
        unpinOnly(sha256)
    }

    /// Deletes the file of `sha256` if nothing pins it and `isReferenced` (asked only then) says no row names
    /// it. Returns whether it deleted.
    @discardableResult
    public func deleteIfUnreferenced(_ sha256: String, isReferenced: @Sendable () async throws -> Bool) async throws
        -> Bool
    {
        guard ContentHash.isValidHex(sha256), pins[sha256, default: 0] == 0, !deleting.contains(sha256) else {
            return false
        }
        deleting.insert(sha256)
        defer { deleting.remove(sha256) }
        if try await isReferenced() { return false }
        let path = self.path(for: sha256)
        try await threadPool.runIfActive { try FileOps.remove(path) }
        return true
    }

    /// Deletes content files no row references (files a crash left between writing and recording).
    /// Run at start, before requests: `referenced` is a snapshot.
    @discardableResult
    public func sweepOrphans(referenced: Set<String>) async throws -> Int {
        let directory = self.directory
        let pinned = Set(pins.keys)
        return try await threadPool.runIfActive {
            var removed = 0
            for shard in try FileOps.list(directory) where shard.utf8.count == 2 {
                for name in try FileOps.list("\(directory)/\(shard)")
                where ContentHash.isValidHex(name) && !referenced.contains(name) && !pinned.contains(name) {
                    try FileOps.remove("\(directory)/\(shard)/\(name)")
                    removed += 1
                }
            }
            return removed
        }
    }

    /// The size of a stored file, or nil when it is missing.
    public func size(of sha256: String) async throws -> Int64? {
        let path = self.path(for: sha256)
        return try await threadPool.runIfActive { FileOps.size(path) }
    }

    /// Reads a whole (small) file: thumbnails and sources handed to the thumbnailer.
    public func read(_ sha256: String) async throws -> [UInt8] {
        let path = self.path(for: sha256)
        return try await threadPool.runIfActive { try FileOps.readAll(path) }
    }

    private func pin(_ sha256: String) async throws {
        while deleting.contains(sha256) { try await Task.sleep(for: .milliseconds(5)) }
        pins[sha256, default: 0] += 1
    }

    private func unpinOnly(_ sha256: String) {
        let count = pins[sha256, default: 0] - 1
        pins[sha256] = count > 0 ? count : nil
    }
}
