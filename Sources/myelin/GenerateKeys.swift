import ArgumentParser
import MyelinServer

struct GenerateKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-keys",
        abstract: "Create the server's ed25519 signing key (Synapse's key file format).",
        discussion: "Refuses to replace an existing key: other servers cache it.")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: ArgumentHelp("Write the key here instead of the configured path.", valueName: "path"))
    var output: String?

    func run() async throws {
        let config = try CommandSupport.loadConfig(options.config)
        let path = output ?? config.resolvedSigningKeyPath
        do {
            let key = try SigningKeyFile.create(at: path)
            print("wrote \(key.keyId) to \(path)")
            print("public key: \(key.publicKeyBase64)")
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
