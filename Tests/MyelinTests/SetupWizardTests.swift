import Foundation
import MyelinAccounts
@testable import MyelinServer
import Testing

@Suite struct SetupWizardTests {
    final class Script: @unchecked Sendable {
        var answers: [String]
        var secrets: [String]
        var said: [String] = []
        var prompts: [String] = []

        init(answers: [String], secrets: [String] = []) {
            self.answers = answers
            self.secrets = secrets
        }

        var wizard: SetupWizard {
            SetupWizard(
                ask: { prompt in
                    self.prompts.append(prompt)
                    return self.answers.isEmpty ? nil : self.answers.removeFirst()
                },
                askSecret: { _ in self.secrets.isEmpty ? nil : self.secrets.removeFirst() },
                say: { self.said.append($0) })
        }
    }

    @Test func defaultsOnEnterAndTheFileLoadsBack() throws {
        let script = Script(answers: ["", "", "", "", "no"])
        let result = try script.wizard.run()
        #expect(result.config == MyelinConfig())
        #expect(result.admin == nil)
        var loaded = MyelinConfig()
        try ConfigLoader.apply(toml: result.toml, source: "wizard", to: &loaded)
        #expect(loaded == result.config)
        #expect(script.prompts.first?.contains("[localhost]") == true)
    }

    @Test func answersAreValidatedAndAskedAgain() throws {
        let script = Script(
            answers: ["not a name!", "chat.example.org", "0.0.0.0", "99999", "8448", "sometimes", "token", "maybe", "yes",
                      "Bad Name", "Root"],
            secrets: ["long enough pw", "different pw!!", "short", "short", "long enough pw", "long enough pw"])
        let result = try script.wizard.run()
        #expect(result.config.serverName == "chat.example.org")
        #expect(result.config.listenAddress == "0.0.0.0")
        #expect(result.config.listenPort == 8448)
        #expect(result.config.registrationMode == .token)
        #expect(result.admin?.name == "root")
        #expect(result.admin?.password == "long enough pw")
        #expect(script.said.contains { $0.contains("not a valid server name") })
        #expect(script.said.contains { $0.contains("passwords differ") })
        #expect(script.said.contains { $0.contains("at least") })
        var loaded = MyelinConfig()
        try ConfigLoader.apply(toml: result.toml, source: "wizard", to: &loaded)
        #expect(loaded == result.config)
    }

    @Test func endOfInputAborts() {
        let script = Script(answers: ["example.org"])
        #expect(throws: SetupWizard.Aborted.self) { try script.wizard.run() }
    }

    @Test func quotingSurvivesTOML() throws {
        var config = MyelinConfig()
        config.dataDir = "/srv/my \"data\"\\dir"
        var loaded = MyelinConfig()
        try ConfigLoader.apply(toml: SetupWizard.toml(for: config), source: "wizard", to: &loaded)
        #expect(loaded.dataDir == config.dataDir)
    }
}
