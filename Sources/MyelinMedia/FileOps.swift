#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The blocking POSIX file calls the media store needs. Call them only on a thread pool.
enum FileOps {
    static func makeDirectory(_ path: String) throws {
        var start = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            start += part
            if mkdir(start, 0o755) != 0 && errno != EEXIST {
                throw MediaStoreError(operation: "create the directory", path: start, errno: errno)
            }
            start += "/"
        }
    }

    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw MediaStoreError(operation: "list", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The size of a regular file, nil when there is none.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw MediaStoreError(operation: "delete", path: path, errno: errno)
        }
    }

    /// Writes `buffer` to a fresh temporary file in `directory`, fsyncs it, renames it to `path` and fsyncs
    /// the directory, so `path` is either absent or complete whatever moment the power goes.
    static func writeAtomically(_ buffer: ByteBuffer, to path: String, temporaryIn directory: String,
                                prefix: String) throws {
        let temporary = "\(directory)/\(prefix)\(MediaID.generate())"
        let fd = try createExclusive(temporary)
        do {
            try writeAll(fd, buffer, path: temporary)
            try sync(fd, path: temporary)
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        try moveIntoPlace(temporary, to: path, directory: directory)
    }

    /// Creates a new file for writing; fails if it exists.
    static func createExclusive(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MediaStoreError(operation: "create", path: path, errno: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ buffer: ByteBuffer, path: String) throws {
        try buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw MediaStoreError(operation: "write", path: path, errno: errno)
                }
                offset += written
            }
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw MediaStoreError(operation: "fsync", path: path, errno: errno) }
    }

    static func closeFile(_ fd: Int32) {
        close(fd)
    }

    /// Renames a complete temporary file to `path` and fsyncs `path`'s directory; the temporary file is
    /// removed when the rename fails.
    static func moveIntoPlace(_ temporary: String, to path: String, directory: String) throws {
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw MediaStoreError(operation: "rename into place", path: path, errno: failure)
        }
        let dirFd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFd >= 0 {
            _ = fsync(dirFd)
            close(dirFd)
        }
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MediaStoreError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MediaStoreError(operation: "read", path: path, errno: errno)
            }
            if count == 0 { return result }
            result += chunk[0..<count]
        }
    }
}
