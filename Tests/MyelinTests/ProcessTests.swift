import Foundation
import GRDB
import MatrixCore
import MyelinStorage
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
        // Writers stop on a flag, not by cancellation: cancelling a task inside URLSession's async
        // `data(for:)` can deadlock swift-corelibs-foundation (its cancellation handler and completion
        // each wait on the other's lock).
        let writers = (0..<4).map { writer in
            Task {
                var i = 0
                while await !acknowledged.stopped {
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
        await acknowledged.stop()
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
        #expect(migrate.output.contains("schema version \(MyelinDatabase.schemaVersion)"))

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
    private(set) var stopped = false
    var count: Int { all.count }
    func add(_ type: String, writer: Int, n: Int) { all[type] = (writer, n) }
    func stop() { stopped = true }
}

/// TLS with the real binary: self-signed certificates from the CLI, and SIGHUP reloads.
@Suite(.serialized) struct TLSProcessTests {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-tlsp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The SHA-256 fingerprint of the certificate a new connection is shown.
    func servedFingerprint(port: Int) async throws -> String {
        let shown = try await runProgram(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"], input: "",
            timeout: .seconds(20))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let begin = shown.output.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = shown.output.range(of: "-----END CERTIFICATE-----")
        else { throw TestFailure("no certificate in s_client output: \(shown.output)") }
        try String(shown.output[begin.lowerBound..<end.upperBound]).write(
            toFile: dir + "/served.pem", atomically: true, encoding: .utf8)
        return try await fingerprint(dir + "/served.pem")
    }

    func fingerprint(_ path: String) async throws -> String {
        let result = try await runProgram(["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"])
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func generateKeysMakesAUsableSelfSignedPair() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try await ServerProcess.run(
            ["generate-keys", "--tls-cert", dir + "/c.pem", "--tls-key", dir + "/k.pem", "--server-name", "chat.example.org"],
            dataDir: dir)
        #expect(made.status == 0, "\(made.output)")
        let text = try await runProgram(["openssl", "x509", "-in", dir + "/c.pem", "-noout", "-text"])
        #expect(text.output.contains("DNS:chat.example.org"), "\(text.output)")
        #expect(text.output.contains("CN = chat.example.org"))
        let key = try await runProgram(["openssl", "pkey", "-in", dir + "/k.pem", "-noout"])
        #expect(key.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/k.pem")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try await ServerProcess.run(
            ["generate-keys", "--tls-cert", dir + "/c.pem", "--tls-key", dir + "/k.pem"], dataDir: dir)
        #expect(again.status != 0)
        let ip = try await ServerProcess.run(
            ["generate-keys", "--tls-cert", dir + "/ip.pem", "--tls-key", dir + "/ipk.pem", "--server-name", "192.0.2.7"],
            dataDir: dir)
        #expect(ip.status == 0)
        let ipText = try await runProgram(["openssl", "x509", "-in", dir + "/ip.pem", "-noout", "-text"])
        #expect(ipText.output.contains("IP Address:192.0.2.7"))
        let half = try await ServerProcess.run(["generate-keys", "--tls-cert", dir + "/x.pem"], dataDir: dir)
        #expect(half.status != 0)
    }

    /// SIGHUP: new connections get the new certificate, an open connection keeps working, and a broken
    /// file leaves the previous certificate in service.
    @Test func sighupReloadsWithoutDroppingConnections() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["first", "second"] {
            let made = try await ServerProcess.run(
                ["generate-keys", "--tls-cert", dir + "/\(name).pem", "--tls-key", dir + "/\(name)-key.pem"], dataDir: dir)
            #expect(made.status == 0)
        }
        try FileManager.default.copyItem(atPath: dir + "/first.pem", toPath: dir + "/cert.pem")
        try FileManager.default.copyItem(atPath: dir + "/first-key.pem", toPath: dir + "/key.pem")
        let tlsPort = try ServerProcess.freePort()
        let server = try await ServerProcess.start(dataDir: dir, extraEnvironment: [
            "MYELIN_TLS__CERTIFICATE_PATH": dir + "/cert.pem", "MYELIN_TLS__PRIVATE_KEY_PATH": dir + "/key.pem",
            "MYELIN_TLS__ADDRESS": "127.0.0.1", "MYELIN_TLS__PORT": String(tlsPort),
        ])
        let first = try await fingerprint(dir + "/first.pem")
        let second = try await fingerprint(dir + "/second.pem")
        #expect(try await servedFingerprint(port: tlsPort) == first)

        // A connection opened before the reload...
        let marker = dir + "/go"
        let holder = Task {
            try await runProgram([testPython, interopDirectory.appendingPathComponent("tls_client.py").path, "hold",
                                  String(tlsPort), dir + "/first.pem", marker])
        }
        // Wait until that connection is up (a slow start under load must not see the new certificate).
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: marker + ".ready"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        for (source, target) in [("second.pem", "cert.pem"), ("second-key.pem", "key.pem")] {
            try FileManager.default.removeItem(atPath: dir + "/" + target)
            try FileManager.default.copyItem(atPath: dir + "/" + source, toPath: dir + "/" + target)
        }
        server.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await servedFingerprint(port: tlsPort) == second)
        // ...still works after it.
        _ = FileManager.default.createFile(atPath: marker, contents: Data())
        let held = try await holder.value
        #expect(held.status == 0, "\(held.output)")

        // A broken file: the reload fails and the current certificate stays.
        try "not a certificate".write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await servedFingerprint(port: tlsPort) == second)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }
}
