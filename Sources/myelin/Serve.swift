import ArgumentParser
import Logging
import MyelinServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the homeserver until SIGTERM or SIGINT.",
        discussion: """
            On a terminal with no config file, first asks the setup questions and writes ./myelin.toml. \
            Otherwise, with no config file, serves the built-in defaults: server name "localhost", data in \
            ./myelin-data, plain HTTP on 127.0.0.1:8008. Schema upgrades are applied at start, after a backup.
            """)

    @OptionGroup var options: ConfigOption

    func run() async throws {
        Homeserver.limitMallocArenas()
        // First run on a terminal: ask the setup questions instead of silently serving the defaults.
        if CommandSupport.configPath(options.config) == nil, CommandSupport.stdinIsTerminal {
            _ = try await Setup.runWizard(writingTo: "myelin.toml")
        }
        let config = try CommandSupport.loadConfig(options.config)
        let logger = CommandSupport.bootstrapLogging(level: config.logLevel)
        do {
            let (key, created) = try SigningKeyFile.loadOrCreate(at: config.resolvedSigningKeyPath)
            logger.notice("\(created ? "generated" : "loaded") signing key \(key.keyId)",
                          metadata: ["path": "\(config.resolvedSigningKeyPath)"])
            let server = try await Homeserver.open(config: config, logger: logger, signingKey: key)
            logger.notice("Myelin \(CommandSupport.version) serving \(config.serverName)")
            try await server.run()
        } catch {
            logger.critical("cannot serve: \(error)")
            throw ExitCode.failure
        }
    }
}
