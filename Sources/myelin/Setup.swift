import ArgumentParser
import FoundationEssentials
import Logging
import MatrixCore
import MyelinServer

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the first-run questions, write the config file and create an admin account.",
        discussion: "`myelin serve` runs this by itself on a terminal when no config file exists.")

    @Option(name: .long, help: ArgumentHelp("Where to write the config.", valueName: "path"))
    var output = "myelin.toml"

    func run() async throws {
        _ = try await Self.runWizard(writingTo: output)
    }

    /// Runs the wizard on the terminal, saves the file and creates the admin; returns the new config.
    static func runWizard(writingTo path: String) async throws -> MyelinConfig {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("\(path) already exists; edit it, or move it away to run setup again")
        }
        let wizard = SetupWizard(
            ask: { prompt in
                FileHandleOutput.standardError(prompt)
                return readLine(strippingNewline: true)
            },
            askSecret: { CommandSupport.readSecret(prompt: $0) },
            say: { FileHandleOutput.standardError($0 + "\n") })
        let result = try wizard.run()
        guard FileManager.default.createFile(atPath: path, contents: Data(result.toml.utf8),
                                             attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure("cannot write \(path)") }
        FileHandleOutput.standardError("wrote \(path)\n")
        if let admin = result.admin {
            var logger = Logger(label: "myelin")
            logger.logLevel = .warning
            let server = try await Homeserver.open(config: result.config, logger: logger)
            do {
                _ = try await server.services.registration.createAccount(
                    localpart: admin.name, password: admin.password, isAdmin: true)
                FileHandleOutput.standardError("created admin @\(admin.name):\(result.config.serverName)\n")
            } catch let error as MatrixError {
                FileHandleOutput.standardError("could not create the admin: \(error.message)\n")
            }
            try await server.shutdown()
        }
        return result.config
    }
}
