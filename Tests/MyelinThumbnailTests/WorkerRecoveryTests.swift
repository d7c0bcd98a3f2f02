import Foundation
import Glibc
import Testing
@testable import MyelinThumbnail

/// The worker dying or overrunning fails one request; the next gets a fresh worker.
@Suite struct WorkerRecoveryTests {
    @Test func killingTheWorkerFailsOnlyTheCurrentRequest() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Large enough that decoding takes well over the few milliseconds before the kill.
        let big = try await WorkerFixture.synth("png", 4000, 3000, into: directory)
        let small = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let client = try WorkerFixture.client()

        // The kill must land while the worker decodes. Under a loaded parallel run the request can still
        // be unsent after the pause, or already done; such a round proves nothing and is run again.
        var pid: pid_t?
        var died = false
        for _ in 0..<5 where !died {
            let inFlight = Task {
                try await client.thumbnail(ThumbnailRequest(path: big, width: 320, height: 240, method: .scale))
            }
            // Bounded: if this request ends before its worker is seen (a worker an earlier round killed
            // after its request had finished fails the next write at once, and is discarded), there is
            // no worker to see, and an unbounded wait here hung a whole CI run.
            pid = nil
            for _ in 0..<2000 where pid == nil {
                try await Task.sleep(for: .milliseconds(5))
                pid = await client.workerProcessID
            }
            try await Task.sleep(for: .milliseconds(20))
            if let pid { kill(pid, SIGKILL) }
            switch await inFlight.result {
            case .failure(let error as ThumbnailError):
                guard case .workerDied = error else {
                    Issue.record("expected .workerDied, got \(error)")
                    return
                }
                died = true
            case .failure(let error):
                Issue.record("expected .workerDied, got \(error)")
                return
            case .success:
                continue
            }
        }
        guard died else {
            Issue.record("the worker was never killed during a request in five rounds")
            return
        }
        let next = try await client.thumbnail(ThumbnailRequest(path: small, width: 96, height: 96, method: .crop))
        #expect(next.width == 96 && next.height == 96)
        let newPID = await client.workerProcessID
        #expect(newPID != nil && newPID != pid)
        await client.shutdown()
    }

    @Test func anOverrunTimesOutAndTheNextRequestSucceeds() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = try await WorkerFixture.synth("png", 3000, 2000, into: directory)
        let small = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let client = try WorkerFixture.client()

        await #expect(throws: ThumbnailError.timedOut) {
            try await client.thumbnail(ThumbnailRequest(path: big, width: 320, height: 240, method: .scale),
                                       timeout: .milliseconds(5))
        }
        #expect(await client.workerProcessID == nil, "a timed-out worker is killed")
        let next = try await client.thumbnail(ThumbnailRequest(path: small, width: 96, height: 96, method: .crop))
        #expect(next.width == 96)
        await client.shutdown()
    }

    @Test func anOutputOverThePayloadCapIsRefusedAndTheWorkerReplaced() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("png", 400, 300, into: directory)
        let client = ThumbnailerClient(workerPath: try WorkerFixture.workerPath(), maxOutputBytes: 1000)
        do {
            _ = try await client.thumbnail(ThumbnailRequest(path: source, width: 300, height: 300, method: .scale))
            Issue.record("expected .outputTooLarge")
        } catch {
            guard case .outputTooLarge(let size) = error else { Issue.record("got \(error)"); return }
            #expect(size > 1000)
        }
        // A small one still fits under the cap, from a fresh worker.
        let small = try await client.thumbnail(ThumbnailRequest(path: source, width: 8, height: 8, method: .crop))
        #expect(small.bytes.count <= 1000)
        await client.shutdown()
    }

    @Test func aMissingWorkerBinaryIsAnErrorNotACrash() async {
        let client = ThumbnailerClient(workerPath: "/nonexistent/myelin-thumbnailer")
        await #expect(throws: ThumbnailError.self) {
            try await client.thumbnail(ThumbnailRequest(path: "/tmp/x.jpg", width: 10, height: 10, method: .crop))
        }
    }

    @Test func concurrentCallersAreServedInTurnByOneWorker() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try await WorkerFixture.synth("jpeg", 400, 300, into: directory)
        let client = try WorkerFixture.client()
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for side in 20..<28 {
                group.addTask {
                    try await client.thumbnail(ThumbnailRequest(path: source, width: side, height: side, method: .crop)).width
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.sorted() == Array(20..<28))
        await client.shutdown()
    }

    @Test func requestsLeaveNothingBehindInLibvips() async throws {
        let directory = try WorkerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try WorkerFixture.client()
        let baseline = try await client.usage()
        for format in ["jpeg", "png", "gif", "webp"] {
            let source = try await WorkerFixture.synth(format, 300, 200, into: directory, extra: ["--frames", format == "gif" ? "3" : "1"])
            for method in [ThumbnailMethod.crop, .scale] {
                _ = try await client.thumbnail(ThumbnailRequest(path: source, width: 64, height: 64, method: method, animated: true))
            }
            _ = try await client.info(path: source)
        }
        let truncated = directory.appendingPathComponent("truncated.jpg")
        let full = try Data(contentsOf: URL(fileURLWithPath: try await WorkerFixture.synth("jpeg", 300, 200, into: directory)))
        try full.prefix(full.count / 2).write(to: truncated)
        _ = try? await client.thumbnail(ThumbnailRequest(path: truncated.path, width: 64, height: 64, method: .scale))

        let after = try await client.usage()
        #expect(after == baseline)
        #expect(after.trackedBytes == 0 && after.openFiles == 0)
        await client.shutdown()
    }
}
