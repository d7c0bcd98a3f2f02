import Foundation
import MatrixCore
import MyelinTestSupport
import Testing

extension SynapseSuites {
    /// Outages: a peer that is down while we send, and Myelin itself killed while its queue holds events.
    /// Either way every message arrives, in order, without a client doing anything.
    @Suite(.serialized) struct FederationOutageTests {
        /// The room on Myelin that Synapse's sam has joined.
        func sharedRoom(_ myelin: some ClientAPIPeer, myelinServer: String, _ mia: TestServer.User,
                        _ synapse: SynapsePeer, _ sam: TestServer.User) async throws -> String {
            let roomId = try await myelin.createRoom(mia, ["preset": "public_chat"])
            let joined = try await synapse.client.post(
                "/_matrix/client/v3/join/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(myelinServer))",
                [:], token: sam.accessToken)
            try #require(joined.status == 200, "\(joined.json)")
            return roomId
        }

        /// Waits until Synapse shows all of `bodies`, then checks they came in order.
        func expectDelivered(_ bodies: [String], at synapse: SynapsePeer, _ sam: TestServer.User, _ roomId: String)
            async throws
        {
            try await FederationTestSupport.eventually("\(bodies.count) messages at synapse", within: 90) {
                let seen = try await synapse.messageBodies(sam, roomId)
                return bodies.allSatisfy(seen.contains)
            }
            let seen = try await synapse.messageBodies(sam, roomId).filter(bodies.contains)
            #expect(seen == bodies)
        }

        @Test func aPeerThatWasDownCatchesUp() async throws {
            var synapse = try await SynapsePeer.start()
            let myelin: TestServer
            do {
                myelin = try await FederationTestSupport.startServer(federation: FederationTestSupport.quickRetries)
            } catch {
                synapse.stop()
                throw error
            }
            do {
                let mia = try await myelin.register("mia")
                let sam = try await synapse.register("sam")
                let roomId = try await sharedRoom(myelin, myelinServer: myelin.serverName, mia, synapse, sam)
                synapse.stop()
                let bodies = (1...50).map { "while down \($0)" }
                for body in bodies { _ = try await myelin.sendOK(mia, roomId, body) }
                synapse = try await synapse.restarted()
                try await expectDelivered(bodies, at: synapse, sam, roomId)
            } catch {
                print("Synapse log tail:\n" + String(synapse.log().suffix(4000)))
                synapse.stop()
                try? await myelin.stop()
                throw error
            }
            synapse.stop()
            try await myelin.stop()
        }

        /// `myelin serve` as a federating process: its name, data folder, ports and environment, to start it
        /// and start it again.
        struct FederatingProcess {
            let serverName: String
            let dataDir: String
            let httpPort: Int
            let environment: [String: String]

            static func make() async throws -> FederatingProcess {
                let (cert, key) = try await FederationTestSupport.certificate()
                let tlsPort = try ServerProcess.freePort()
                let dataDir = FileManager.default.temporaryDirectory
                    .appendingPathComponent("myelin-fed-process-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
                return FederatingProcess(
                    serverName: "127.0.0.1:\(tlsPort)", dataDir: dataDir, httpPort: try ServerProcess.freePort(),
                    environment: [
                        "MYELIN_SERVER_NAME": "127.0.0.1:\(tlsPort)", "MYELIN_TLS__CERTIFICATE_PATH": cert,
                        "MYELIN_TLS__PRIVATE_KEY_PATH": key, "MYELIN_TLS__ADDRESS": "127.0.0.1",
                        "MYELIN_TLS__PORT": String(tlsPort), "MYELIN_OUTBOUND__ALLOW_PRIVATE_ADDRESSES": "true",
                        "MYELIN_OUTBOUND__EXTRA_CA_FILE": cert, "MYELIN_FEDERATION__TRUSTED_KEY_SERVERS": "",
                        "MYELIN_FEDERATION__RETRY_MAX_S": "10",
                    ])
            }

            /// Starts it; a restart may find a port briefly held as another connection's local port, so it
            /// gets a few tries.
            func start() async throws -> ServerProcess {
                var lastError: (any Error)? = nil
                for _ in 0..<3 {
                    do {
                        return try await ServerProcess.start(dataDir: dataDir, port: httpPort, extraEnvironment: environment)
                    } catch {
                        lastError = error
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                throw lastError ?? TestFailure("myelin serve did not start")
            }
        }

        @Test func aQueueSurvivesMyelinBeingKilled() async throws {
            let process = try await FederatingProcess.make()
            let dataDir = process.dataDir
            let tlsServerName = process.serverName
            var myelin = try await process.start()
            var synapse = try await SynapsePeer.start()
            do {
                let mia = try await myelin.client.register("mia")
                let sam = try await synapse.register("sam")
                let roomId = try await sharedRoom(myelin.client, myelinServer: tlsServerName, mia, synapse, sam)
                synapse.stop()
                let bodies = (1...20).map { "queued \($0)" }
                for body in bodies { _ = try await myelin.client.sendOK(mia, roomId, body) }
                // Killed with its queue full of undelivered events.
                myelin.signal(SIGKILL)
                _ = try await myelin.waitForExit()
                synapse = try await synapse.restarted()
                myelin = try await process.start()
                try await expectDelivered(bodies, at: synapse, sam, roomId)
            } catch {
                print("Synapse log tail:\n" + String(synapse.log().suffix(4000)))
                print("Myelin output:\n" + myelin.outputText())
                synapse.stop()
                myelin.signal(SIGKILL)
                throw error
            }
            synapse.stop()
            myelin.signal(SIGTERM)
            _ = try await myelin.waitForExit()
            try? FileManager.default.removeItem(atPath: dataDir)
        }

        /// A server that was away comes back to a gap: the room's server kept only the newest five events for
        /// it (its queue bound), and the returning server fills the gap behind them with get_missing_events
        /// and the state at the oldest event it pulled.
        @Test func aGapLeftWhileAServerWasAwayIsFilled() async throws {
            var settings = FederationTestSupport.quickRetries
            settings.maxQueuedEventsPerDestination = 5
            let host = try await FederationTestSupport.startServer(federation: settings)
            let process: FederatingProcess
            var away: ServerProcess
            do {
                process = try await FederatingProcess.make()
                away = try await process.start()
            } catch {
                try? await host.stop()
                throw error
            }
            do {
                let alice = try await host.register("alice")
                let bob = try await away.client.register("bob")
                let roomId = try await host.createRoom(alice, ["preset": "public_chat"])
                let joined = try await away.client.post(
                    "/_matrix/client/v3/join/\(TestServer.segment(roomId))?server_name=\(TestServer.segment(host.serverName))",
                    [:], token: bob.accessToken)
                try #require(joined.status == 200, "\(joined.json)")
                away.signal(SIGKILL)
                _ = try await away.waitForExit()
                let missed = (1...40).map { "missed \($0)" }
                for body in missed { _ = try await host.sendOK(alice, roomId, body) }
                away = try await process.start()
                try await FederationTestSupport.eventually("the newest message after the gap", within: 90) {
                    try await away.client.messageBodies(bob, roomId).contains("missed 40")
                }
                let seen = try await away.client.messageBodies(bob, roomId)
                let filled = missed.filter(seen.contains)
                // Five came from the queue; get_missing_events brought up to twenty more behind them.
                #expect(filled.count >= 25, "\(seen)")
                #expect(filled == Array(missed.suffix(filled.count)), "a contiguous run up to the newest")
            } catch {
                print("Myelin output:\n" + away.outputText())
                away.signal(SIGKILL)
                try? await host.stop()
                throw error
            }
            away.signal(SIGTERM)
            _ = try await away.waitForExit()
            try await host.stop()
            try? FileManager.default.removeItem(atPath: process.dataDir)
        }
    }
}
