import Foundation
import MatrixCore

/// MatrixCore throughput: canonical JSON, event signing and verification of a typical message event.
enum CoreBenchmarks {
    static func typicalMessage() -> JSONObject {
        [
            "type": "m.room.message",
            "room_id": "!jEsUZKDJdhlrceRyVU:example.org",
            "sender": "@alice:example.org",
            "origin_server_ts": 1_700_000_000_000,
            "depth": 4242,
            "prev_events": ["$Ds5RbVe_bsCRyAtEfdXXyWpHaBPe7sZtFEEn_-yd6gM"],
            "auth_events": [
                "$Ds5RbVe_bsCRyAtEfdXXyWpHaBPe7sZtFEEn_-yd6gA", "$Ds5RbVe_bsCRyAtEfdXXyWpHaBPe7sZtFEEn_-yd6gB",
                "$Ds5RbVe_bsCRyAtEfdXXyWpHaBPe7sZtFEEn_-yd6gC",
            ],
            "content": [
                "msgtype": "m.text",
                "body": "Shall we meet at the station at half past seven? I will bring the tickets and some snacks.",
                "m.mentions": ["user_ids": ["@bob:example.org"]],
            ],
            "unsigned": ["age": 120],
        ]
    }

    static func run(seconds: Double) throws {
        let key = try SigningKey(version: "bench", seed: [UInt8](repeating: 42, count: 32))
        let verifyKey = VerifyKey(key)
        let server = try ServerName(parsing: "example.org")
        let draft = typicalMessage()
        let signed = try EventSigning.sign(draft, roomVersion: .v12, as: server, with: key)
        let bytes = try CanonicalJSON.encode(.object(signed))
        print("typical event: \(bytes.count) bytes of canonical JSON")

        report("canonical JSON encode", seconds: seconds) { _ = try? CanonicalJSON.encode(.object(signed)) }
        report("parse (strict event options)", seconds: seconds) {
            _ = try? JSONParser.parse(bytes, options: .event(strict: true))
        }
        report("sign (hash + redact + ed25519)", seconds: seconds) {
            _ = try? EventSigning.sign(draft, roomVersion: .v12, as: server, with: key)
        }
        report("verify (redact + ed25519)", seconds: seconds) {
            try? EventSigning.verify(signed, roomVersion: .v12, signedBy: "example.org", with: verifyKey)
        }
        report("event ID (reference hash)", seconds: seconds) { _ = try? EventID.compute(signed, roomVersion: .v12) }
    }

    static func report(_ name: String, seconds: Double, _ body: () -> Void) {
        for _ in 0..<200 { body() }  // warm up
        var count = 0
        let start = ContinuousClock.now
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now - start < budget {
            for _ in 0..<100 { body() }
            count += 100
        }
        let elapsed = ContinuousClock.now - start
        let perSecond = Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let label = name.padding(toLength: 34, withPad: " ", startingAt: 0)
        print("  \(label)" + String(format: "%10.0f ops/s  (%.1f µs/op)", perSecond, 1e6 / perSecond))
    }
}
