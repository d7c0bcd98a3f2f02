import Foundation
import Testing

/// A real client library against the server: the PyPI package matrix-nio (installed by the README's
/// test command) registers, logs in, asks whoami and logs out.
@Suite struct NioInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/nio_smoke.py")

    static let syncScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/nio_sync.py")

    static let e2eeScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/nio_e2ee.py")

    /// Two nio clients with encryption (matrix-nio[e2e], vodozemac) exchange megolm-encrypted messages
    /// in an encrypted room and decrypt each other's; a third device, cross-signed by its owner, sees
    /// the cross-signing keys and decrypts the next message. Everything between the clients (one-time
    /// key claims, olm to-device messages, device list changes) goes through this server.
    @Test func matrixNioExchangesEncryptedMessages() async throws {
        try await withServer { server in
            let (status, text) = try await runProgram(
                [testPython, Self.e2eeScript.path, "http://127.0.0.1:\(server.running.port)"], timeout: .seconds(300))
            #expect(status == 0, "matrix-nio e2ee test failed:\n\(text)")
            #expect(text.contains("nio e2ee test passed"), "\(text)")
        }
    }

    /// Two nio clients: one sends a message, a typing notice and a read receipt; the other's sync loop
    /// receives all three.
    @Test func matrixNioSyncLoopSeesMessagesTypingAndReceipts() async throws {
        try await withServer { server in
            let (status, text) = try await runProgram(
                [testPython, Self.syncScript.path, "http://127.0.0.1:\(server.running.port)"], timeout: .seconds(180))
            #expect(status == 0, "matrix-nio sync test failed:\n\(text)")
            #expect(text.contains("nio sync test passed"), "\(text)")
        }
    }

    @Test func matrixNioRegistersLogsInAndOut() async throws {
        try await withServer { server in
            // scripts/run-tests.sh points MYELIN_TEST_PYTHON at a Python that has matrix-nio.
            let (status, text) = try await runProgram(
                [testPython, Self.script.path, "http://127.0.0.1:\(server.running.port)"], timeout: .seconds(120))
            #expect(status == 0, "matrix-nio smoke test failed:\n\(text)")
            #expect(text.contains("nio smoke test passed"), "\(text)")
        }
    }
}
