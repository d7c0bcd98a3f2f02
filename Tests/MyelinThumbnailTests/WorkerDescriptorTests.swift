import Foundation
import Glibc
@testable import MyelinThumbnail
import Testing

/// The worker inherits its two pipes and stderr, nothing else: a client socket the server holds (NIO
/// opens them without close-on-exec) must not stay open in the worker after the server closes it.
@Suite struct WorkerDescriptorTests {
    @Test func theWorkerInheritsNoSocket() throws {
        // A socket of ours without close-on-exec, as NIO's accepted connections are.
        let socketFd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socketFd > 2)
        defer { close(socketFd) }
        let worker = try WorkerProcess.spawn(executable: try WorkerFixture.workerPath())
        defer { _ = worker.terminateAndReap() }
        let directory = "/proc/\(worker.pid)/fd"
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: directory).compactMap(Int32.init)
        let inherited = descriptors.filter { $0 > 2 }.compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(fd)"),
                target.hasPrefix("socket:") else { return nil }
            return "\(fd) -> \(target)"
        }
        #expect(inherited.isEmpty, "the worker holds sockets: \(inherited)")
    }
}
