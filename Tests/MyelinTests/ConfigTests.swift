import Foundation
import MyelinAccounts
import MyelinStorage
@testable import MyelinServer
import Testing

@Suite struct ConfigTests {
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/myelin.example.toml")

    func load(_ toml: String, environment: [String: String] = [:]) throws -> MyelinConfig {
        var config = MyelinConfig()
        try ConfigLoader.apply(toml: toml, source: "test.toml", to: &config)
        try ConfigLoader.applyEnvironment(environment, to: &config)
        return config
    }

    func error(_ toml: String, environment: [String: String] = [:]) -> String {
        do {
            _ = try load(toml, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsWithoutAFile() throws {
        let config = try ConfigLoader.load(path: nil, environment: [:])
        #expect(config == MyelinConfig())
        #expect(config.serverName == "localhost")
        #expect(config.listenAddress == "127.0.0.1")
        #expect(config.listenPort == 8008)
        #expect(config.resolvedDatabasePath == "./myelin-data/myelin.sqlite")
    }

    @Test func exampleFileDocumentsEveryKeyWithItsDefault() throws {
        let text = try String(contentsOf: Self.exampleURL, encoding: .utf8)
        #expect(try load(text) == MyelinConfig())
        let lines = KeyLines(text: text)
        for key in ConfigSchema.keys {
            let section = key.path.split(separator: ".").count > 1 ? String(key.path.split(separator: ".")[0]) : nil
            let name = String(key.path.split(separator: ".").last ?? "")
            let pattern = "\n\(name) = "
            #expect(text.contains(pattern), "\(key.path) is not in the example config")
            if let section { #expect(text.contains("[\(section)]"), "section [\(section)] missing") }
            #expect(lines.line(of: key.path) > 1, "\(key.path) has no line")
            // Each key is documented by a comment in its paragraph (paired keys share one).
            let all = text.split(separator: "\n", omittingEmptySubsequences: false)
            var index = lines.line(of: key.path) - 2
            var documented = false
            while index >= 0, !all[index].trimmingCharacters(in: .whitespaces).isEmpty {
                if all[index].hasPrefix("#") { documented = true }
                index -= 1
            }
            #expect(documented, "\(key.path) has no comment above it")
        }
    }

    @Test func valuesFromTheFileApply() throws {
        let config = try load("""
            server_name = "example.org"
            memory_budget_mb = 512
            [listen]
            port = 8448
            [registration]
            mode = "token"
            [rate_limit]
            login_per_second = 2
            exempt_users = ["@bot:example.org"]
            """)
        #expect(config.serverName == "example.org")
        #expect(config.memoryBudgetMB == 512)
        #expect(config.listenPort == 8448)
        #expect(config.registrationMode == .token)
        #expect(config.loginPerSecond == 2.0)
        #expect(config.rateLimitExemptUsers == ["@bot:example.org"])
    }

    @Test func quotasAndWriteLimitsReachTheirSettings() throws {
        let config = try load("""
            [rate_limit]
            to_device_per_second = 5
            to_device_burst = 500
            report_burst = 2
            [quotas]
            to_device_max_pending_per_device = 0
            account_data_max_entries = 50
            filter_max_bytes = 4096
            """)
        #expect(config.rateLimitSettings.toDevice == .init(perSecond: 5, burst: 500))
        #expect(config.rateLimitSettings.report == .init(perSecond: 0.05, burst: 2))
        #expect(config.rateLimitSettings.invite == .init(perSecond: 0.3, burst: 10))
        let quotas = config.storageQuotas
        // 0 is no limit.
        #expect(quotas.toDevice.maxPendingPerDevice == nil)
        #expect(quotas.toDevice.maxMessageBytes == 65_536)
        #expect(quotas.accountData.maxEntries == 50)
        #expect(quotas.filters.maxBytes == 4096)
        #expect(config.accountsSettings.quotas == quotas)
        // The defaults of the types and of the config agree.
        #expect(MyelinConfig().storageQuotas == StorageQuotas())
        #expect(error("[quotas]\nfilter_max_bytes = 10\n").contains("quotas.filter_max_bytes"))
    }

    @Test func unknownKeysNameTheKeyAndLine() {
        let message = error("""
            server_name = "x.org"

            [listen]
            prot = 8008
            """)
        #expect(message.contains("line 4"), "\(message)")
        #expect(message.contains("listen.prot"), "\(message)")
        #expect(message.contains("listen.port"), "suggests the right key: \(message)")
        let section = error("[lisen]\nport = 1\n")
        #expect(section.contains("unknown section [lisen]"), "\(section)")
        #expect(section.contains("line 1"), "\(section)")
        let topLevel = error("servername = \"a\"\n")
        #expect(topLevel.contains("unknown key 'servername'"), "\(topLevel)")
    }

    @Test func wrongTypesAndBadValuesSayWhatIsExpected() {
        let type = error("[listen]\nport = \"8008\"\n")
        #expect(type.contains("line 2") && type.contains("listen.port") && type.contains("an integer from 0 to 65535"),
                "\(type)")
        let range = error("[listen]\nport = 70000\n")
        #expect(range.contains("70000") && range.contains("listen.port"), "\(range)")
        let choice = error("[registration]\nmode = \"sometimes\"\n")
        #expect(choice.contains("registration.mode") && choice.contains("\"open\""), "\(choice)")
        let serverName = error("server_name = \"not a name!\"\n")
        #expect(serverName.contains("server_name"), "\(serverName)")
        let boolean = error("[log]\nrequests = \"yes\"\n")
        #expect(boolean.contains("true or false"), "\(boolean)")
        let list = error("[rate_limit]\nexempt_users = [1, 2]\n")
        #expect(list.contains("an array of strings"), "\(list)")
        let contact = error("[well_known]\nadmin_contacts = [\"nobody\"]\n")
        #expect(contact.contains("well_known.admin_contacts") && contact.contains("email"), "\(contact)")
        let turn = error("[voip]\nturn_uris = [\"https://turn.example.org\"]\n")
        #expect(turn.contains("voip.turn_uris") && turn.contains("turn:"), "\(turn)")
        let syntax = error("server_name = \n")
        #expect(syntax.contains("line 1"), "\(syntax)")
    }

    @Test func environmentOverridesTheFile() throws {
        let config = try load("[listen]\nport = 8008\n", environment: [
            "MYELIN_LISTEN__PORT": "9000", "MYELIN_SERVER_NAME": "env.example",
            "MYELIN_RATE_LIMIT__EXEMPT_USERS": "@a:x, @b:x", "MYELIN_REGISTRATION__ALLOW_GUESTS": "yes",
            "MYELIN_RATE_LIMIT__LOGIN_BURST": "7.5", "MYELIN_CONFIG": "ignored", "PATH": "/bin",
        ])
        #expect(config.listenPort == 9000)
        #expect(config.serverName == "env.example")
        #expect(config.rateLimitExemptUsers == ["@a:x", "@b:x"])
        #expect(config.allowGuests)
        #expect(config.loginBurst == 7.5)
    }

    @Test func badEnvironmentOverridesStopStartup() {
        let unknown = error("", environment: ["MYELIN_LISTEN__PROT": "1"])
        #expect(unknown.contains("MYELIN_LISTEN__PROT"), "\(unknown)")
        let badValue = error("", environment: ["MYELIN_LISTEN__PORT": "eighty"])
        #expect(badValue.contains("listen.port") && badValue.contains("integer"), "\(badValue)")
        let outOfRange = error("", environment: ["MYELIN_DATABASE__READERS": "0"])
        #expect(outOfRange.contains("database.readers"), "\(outOfRange)")
    }

    @Test func missingFileIsAClearError() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/myelin.toml", environment: [:])
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("/nonexistent/myelin.toml"))
        }
    }

    @Test func urlPreviewsTrustTheOutboundExtraCAFile() throws {
        let config = try load("[outbound]\nextra_ca_file = \"/etc/myelin/lan-ca.pem\"\n")
        #expect(config.outboundClientConfiguration.tls.extraCAFile == "/etc/myelin/lan-ca.pem")
        #expect(config.urlPreviewClientConfiguration.tls.extraCAFile == "/etc/myelin/lan-ca.pem")
        // Previews still never reach private addresses unless named.
        #expect(config.urlPreviewClientConfiguration.allowPrivateAddresses == false)
        #expect(try load("").urlPreviewClientConfiguration.tls.extraCAFile == nil)
    }
}
