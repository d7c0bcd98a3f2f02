import ArgumentParser
import Logging
import MatrixCore
import MyelinServer

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Create a local account.",
        discussion: """
            Prompts for the password on a terminal; otherwise reads it from the first line of standard input \
            (for scripts: echo "$PASSWORD" | myelin create-user alice). Run it while the server is stopped or \
            running: SQLite serialises the write.
            """)

    @OptionGroup var options: ConfigOption

    @Argument(help: "The localpart of the new user (alice for @alice:your.server).")
    var name: String

    @Flag(name: .long, help: "Make the user a server admin.")
    var admin = false

    func run() async throws {
        let config = try CommandSupport.loadConfig(options.config)
        var logger = Logger(label: "myelin")
        logger.logLevel = .warning
        let password: String
        if CommandSupport.stdinIsTerminal {
            guard let first = CommandSupport.readSecret(prompt: "Password for \(name): "),
                let second = CommandSupport.readSecret(prompt: "Repeat it: ")
            else { throw CommandFailure("no password given") }
            guard first == second else { throw CommandFailure("the passwords differ") }
            password = first
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw CommandFailure("expected the password on standard input")
            }
            password = line
        }
        let server: Homeserver
        do {
            server = try await Homeserver.open(config: config, logger: logger)
        } catch {
            throw CommandFailure("cannot open the server's database: \(error)")
        }
        let outcome: Result<String, any Error>
        do {
            let registration = server.services.registration
            let localpart = try registration.validateNewLocalpart(name)
            try registration.checkPasswordPolicy(password)
            let user = try await registration.createAccount(localpart: localpart, password: password, isAdmin: admin)
            outcome = .success("created @\(user.localpart):\(config.serverName)\(admin ? " (admin)" : "")")
        } catch {
            outcome = .failure(error)
        }
        // Close before reporting, whatever happened: the writer flushes and the WAL is checkpointed.
        try await server.shutdown()
        switch outcome {
        case .success(let message):
            print(message)
        case .failure(let error as MatrixError):
            throw CommandFailure("cannot create the user: \(error.message)")
        case .failure(let error):
            throw CommandFailure("cannot create the user: \(error)")
        }
    }
}
