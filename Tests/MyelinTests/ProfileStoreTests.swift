import Foundation
import GRDB
import Logging
import MatrixCore
@testable import MyelinStorage
import Testing

/// The profile tables below HTTP: the upgrade that gives existing users a profile, and the size rule.
@Suite struct ProfileStoreTests {
    let logger: Logger = {
        var logger = Logger(label: "profile-store-test")
        logger.logLevel = .warning
        return logger
    }()

    @Test func everyUserHasAProfileAfterTheUpgradeAndFromRegistrationOn() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("myelin-profiles-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db.sqlite"
        try MyelinDatabase.openAtHistoricalSchema(path: path, upTo: "v8_reads")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO users (localpart, password_hash, is_admin, is_guest, deactivated, created_ts)
                VALUES ('olduser', NULL, 0, 0, 0, 1)
                """)
        }
        try queue.close()

        let database = try await MyelinDatabase.open(path: path, options: .init(backupsToKeep: 1), logger: logger)
        let profiles = ProfileStore(database: database)
        #expect(try await profiles.profile(localpart: "olduser")?.displayname == "olduser")
        _ = try await AccountStore(database: database).create(localpart: "newuser", passwordHash: nil, isAdmin: false,
                                                              isGuest: false, now: 2)
        let new = try #require(try await profiles.profile(localpart: "newuser"))
        #expect(new.displayname == "newuser")
        #expect(new.avatarURL == nil)
        #expect(new.fields.isEmpty)
        #expect(try await profiles.memberProfile(localpart: "newuser") == MemberProfileRecord(displayname: "newuser",
                                                                                              avatarURL: nil))
        #expect(try await profiles.profile(localpart: "nobody") == nil)
        try await database.close()
    }

    @Test func theSizeIsThatOfTheProfileAsOneCanonicalObject() throws {
        let fields: [String: JSONValue] = ["m.tz": "Europe/London", "org.example.x": ["a": [1, 2, "é\""]]]
        var whole: JSONObject = ["displayname": "Alice \"A\"", "avatar_url": "mxc://example.com/abc"]
        for (key, value) in fields { whole[key] = value }
        let expected = CanonicalJSON.encodeLenient(.object(whole)).count
        let sizes = fields.mapValues { CanonicalJSON.encodeLenient($0).count }
        #expect(ProfileStore.jsonSize(displayname: "Alice \"A\"", avatarURL: "mxc://example.com/abc",
                                      fieldSizes: sizes) == expected)
        #expect(ProfileStore.jsonSize(displayname: nil, avatarURL: nil, fieldSizes: [:]) == 2)
    }
}
