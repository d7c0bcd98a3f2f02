import Foundation
import Logging
import MyelinMedia
import MyelinStorage
import NIOCore
import Testing

@Suite struct MediaStoreTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("myelin-media-\(UUID().uuidString)").path
    }

    @Test func aTemporaryFileLeftByACrashIsNeverServedAndIsRemovedAtStart() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = MediaStore(directory: dir)
        try await store.prepare()
        let bytes = MediaSamples.random(3000, seed: 5)
        let stored = try await store.store(ByteBuffer(bytes: bytes))
        await store.unpin(stored.sha256)
        #expect(stored.size == 3000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path(for: stored.sha256))) == Data(bytes))

        // A crash in the middle of writing other content: half a file under a temporary name.
        let other = MediaSamples.random(3000, seed: 6)
        let half = ByteBuffer(bytes: other.prefix(1500))
        let otherHash = try await MediaStore(directory: dir + "-scratch").store(ByteBuffer(bytes: other)).sha256
        let shard = dir + "/" + otherHash.prefix(2)
        try FileManager.default.createDirectory(atPath: shard, withIntermediateDirectories: true)
        let leftover = shard + "/.tmp-crashed"
        try Data(half.readableBytesView).write(to: URL(fileURLWithPath: leftover))
        // The final name does not exist, so nothing can serve the half file.
        #expect(try await store.size(of: otherHash) == nil)
        try? FileManager.default.removeItem(atPath: dir + "-scratch")

        let restarted = MediaStore(directory: dir)
        #expect(try await restarted.prepare() == 1)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(try await restarted.size(of: stored.sha256) == 3000)

        // Storing the content for real afterwards writes it whole.
        let complete = try await restarted.store(ByteBuffer(bytes: other))
        await restarted.unpin(complete.sha256)
        #expect(complete.sha256 == otherHash)
        #expect(try await restarted.read(otherHash) == other)
    }

    @Test func aFileIsDeletedOnlyWhenUnpinnedAndUnreferenced() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = MediaStore(directory: dir)
        try await store.prepare()
        let first = try await store.store(ByteBuffer(bytes: [1, 2, 3]))
        let second = try await store.store(ByteBuffer(bytes: [1, 2, 3]))
        #expect(first == second)
        #expect(try await store.deleteIfUnreferenced(first.sha256) { false } == false)  // pinned twice
        await store.unpin(first.sha256)
        #expect(try await store.deleteIfUnreferenced(first.sha256) { false } == false)  // pinned once
        await store.unpin(first.sha256)
        #expect(try await store.deleteIfUnreferenced(first.sha256) { true } == false)  // a row names it
        #expect(try await store.size(of: first.sha256) == 3)
        #expect(try await store.deleteIfUnreferenced(first.sha256) { false } == true)
        #expect(try await store.size(of: first.sha256) == nil)
    }

    @Test func orphanedContentIsSweptWhenTheServiceOpens() async throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let database = try await MyelinDatabase.open(path: dir + "/db.sqlite", logger: logger)
        // A crash between writing the file and recording its row leaves a file no row names.
        let store = MediaStore(directory: dir + "/media")
        let orphan = try await store.store(ByteBuffer(bytes: Array("orphan".utf8)))
        let settings = MediaSettings(serverName: "example.org", directory: dir + "/media")
        _ = try await MediaService.open(settings: settings, database: database, nowMs: { 1 }, logger: logger)
        #expect(try await store.size(of: orphan.sha256) == nil)
        try await database.close()
    }
}
