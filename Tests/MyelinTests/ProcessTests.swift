import Foundation
import GRDB
import MatrixCore
import Testing

/// The real binary: crash safety, graceful shutdown, and the CLI.
@Suite(.serialized) struct ProcessTests {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-proc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func register(_ client: TestClient, _ name: String) async throws -> String {
        let response = try await client.post("/_matrix/client/v3/register", [
            "username": .string(name), "password": .string(TestServer.password), "auth": ["type": "m.login.dummy"],
        ])
        guard let token = response.json["access_token"]?.stringValue else {
            throw TestFailure("registration failed: \(response.status) \(response.json)")
        }
        return token
    }

    /// SIGKILL in the middle of a stream of writes: every write that was acknowledged is there after a
    /// restart, and the database passes `PRAGMA integrity_check`.
    @Test func killDuringWritesLosesNothingAcknowledged() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ServerProcess.start(dataDir: dir)
        let token = try await register(server.client, "writer")
        let userId = "@writer:localhost"

        let acknowledged = AcknowledgedWrites()
        // Four concurrent writers, so the kill lands while batches are being committed.
        let writers = (0..<4).map { writer in
            Task {
                var i = 0
                while !Task.isCancelled {
                    let type = "org.test.w\(writer).n\(i)"
                    guard let response = try? await server.client.put(
                        "/_matrix/client/v3/user/\(userId)/account_data/\(type)", ["writer": .int(Int64(writer)), "n": .int(Int64(i))],
                        token: token)
                    else { return }
                    if response.status == 200 { await acknowledged.add(type, writer: writer, n: i) }
                    i += 1
                }
            }
        }
        while await acknowledged.count < 200 { try await Task.sleep(for: .milliseconds(5)) }
        server.signal(SIGKILL)
        _ = try await server.waitForExit()
        for writer in writers { writer.cancel() }
        for writer in writers { _ = await writer.result }
        let written = await acknowledged.all
        #expect(written.count >= 200)

        let restarted = try await ServerProcess.start(dataDir: dir)
        for (type, (writer, n)) in written {
            let response = try await restarted.client.get(
                "/_matrix/client/v3/user/\(userId)/account_data/\(type)", token: token)
            #expect(response.status == 200, "acknowledged write \(type) is missing after the crash")
            #expect(response.json == ["writer": .int(Int64(writer)), "n": .int(Int64(n))])
        }
        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)

        let database = try DatabaseQueue(path: dir + "/myelin.sqlite")
        let integrity = try await database.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        try database.close()
    }

    /// SIGTERM: in-flight requests finish, the writer is flushed, exit status 0.
    @Test func sigtermShutsDownGracefully() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try await ServerProcess.start(dataDir: dir)
        let token = try await register(server.client, "graceful")
        let requests = (0..<20).map { i in
            Task { try? await server.client.put("/_matrix/client/v3/user/@graceful:localhost/account_data/t\(i)",
                                                ["i": .int(Int64(i))], token: token) }
        }
        try await Task.sleep(for: .milliseconds(2))
        server.signal(SIGTERM)
        var succeeded: [Int] = []
        for (i, request) in requests.enumerated() {
            if let response = await request.value, response.status == 200 { succeeded.append(i) }
        }
        #expect(try await server.waitForExit() == 0)
        // After exit, nothing listens any more.
        #expect((try? await server.client.get("/_matrix/client/versions")) == nil)

        let restarted = try await ServerProcess.start(dataDir: dir)
        for i in succeeded {
            let response = try await restarted.client.get(
                "/_matrix/client/v3/user/@graceful:localhost/account_data/t\(i)", token: token)
            #expect(response.status == 200)
        }
        restarted.signal(SIGINT)
        #expect(try await restarted.waitForExit() == 0)
    }

    @Test func createUserReadsThePasswordFromStdin() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let created = try await ServerProcess.run(["create-user", "root", "--admin"], dataDir: dir,
                                            stdin: TestServer.password + "\n")
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("@root:localhost"))
        let again = try await ServerProcess.run(["create-user", "root"], dataDir: dir, stdin: TestServer.password + "\n")
        #expect(again.status != 0)
        #expect(again.output.contains("already taken"))
        let bad = try await ServerProcess.run(["create-user", "Bad Name"], dataDir: dir, stdin: TestServer.password + "\n")
        #expect(bad.status != 0)
        let weak = try await ServerProcess.run(["create-user", "weakling"], dataDir: dir, stdin: "short\n")
        #expect(weak.status != 0)
        #expect(weak.output.contains("at least"))

        let server = try await ServerProcess.start(dataDir: dir)
        let login = try await server.client.post("/_matrix/client/v3/login", [
            "type": "m.login.password", "identifier": ["type": "m.id.user", "user": "root"],
            "password": .string(TestServer.password),
        ])
        #expect(login.status == 200)
        // Registration mode "open" was forced by the test environment; the admin flag reached the database.
        let token = try #require(login.json["access_token"]?.stringValue)
        let admin = try await server.client.get("/_synapse/admin/v1/registration_tokens", token: token)
        #expect(admin.status == 200)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    @Test func generateKeysMigrateVersionAndHelp() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = try await ServerProcess.run(["generate-keys"], dataDir: dir)
        #expect(keys.status == 0, "\(keys.output)")
        let keyText = try String(contentsOfFile: dir + "/signing.key", encoding: .utf8)
        let key = try SigningKey(fileContents: keyText)
        #expect(keys.output.contains(key.keyId))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/signing.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let overwrite = try await ServerProcess.run(["generate-keys"], dataDir: dir)
        #expect(overwrite.status != 0)
        #expect(try String(contentsOfFile: dir + "/signing.key", encoding: .utf8) == keyText)

        let migrate = try await ServerProcess.run(["migrate"], dataDir: dir)
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(migrate.output.contains("schema version 3"))

        let version = try await ServerProcess.run(["version"], dataDir: dir)
        #expect(version.output.hasPrefix("myelin "))
        for command in ["serve", "generate-keys", "create-user", "migrate", "version"] {
            let help = try await ServerProcess.run([command, "--help"], dataDir: dir)
            #expect(help.status == 0)
            #expect(help.output.contains("USAGE"), "\(command) --help")
        }
    }

    @Test func badConfigStopsStartupWithAClearMessage() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[listen]\nport = \"eighty\"\n".write(toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
        let result = try await ServerProcess.run(["serve", "--config", dir + "/bad.toml"], dataDir: dir)
        #expect(result.status != 0)
        #expect(result.output.contains("line 2"), "\(result.output)")
        #expect(result.output.contains("listen.port"))
    }
}

actor AcknowledgedWrites {
    private(set) var all: [String: (Int, Int)] = [:]
    var count: Int { all.count }
    func add(_ type: String, writer: Int, n: Int) { all[type] = (writer, n) }
}
