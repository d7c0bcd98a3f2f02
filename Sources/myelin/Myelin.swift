import ArgumentParser
import Logging

@main
struct Myelin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "myelin",
        abstract: "A Matrix homeserver for one person on a small board.",
        subcommands: [Serve.self, Setup.self, GenerateKeys.self, CreateUser.self, Migrate.self, Version.self],
        defaultSubcommand: Serve.self)
}

/// `--config PATH`, shared by the commands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The TOML config file. Default: $MYELIN_CONFIG, else ./myelin.toml if it exists, else built-in defaults.",
        valueName: "path"))
    var config: String?
}
