import ArgumentParser
import FoundationEssentials
import MatrixCore
import MyelinServer
import MyelinTLS

struct GenerateKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-keys",
        abstract: "Create the server's ed25519 signing key (Synapse's key file format), or a self-signed TLS pair.",
        discussion: """
            Without --tls-cert/--tls-key, writes the signing key. With them, writes a self-signed certificate \
            and ECDSA P-256 key for --server-name (default: the configured server_name), for tests and LANs; \
            point [tls] certificate_path and private_key_path at them. Never replaces an existing file.
            """)

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: ArgumentHelp("Write the signing key here instead of the configured path.", valueName: "path"))
    var output: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Write a self-signed certificate (PEM) here.", valueName: "path"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("Write its private key (PEM) here.", valueName: "path"))
    var tlsKey: String?

    @Option(name: .customLong("server-name"), help: ArgumentHelp("The name the certificate is for.", valueName: "name"))
    var serverName: String?

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if serverName != nil && tlsCertificate == nil {
            throw ValidationError("--server-name is for the TLS certificate; add --tls-cert and --tls-key")
        }
    }

    func run() async throws {
        let config = try CommandSupport.loadConfig(options.config)
        if let certificatePath = tlsCertificate, let keyPath = tlsKey {
            try writeSelfSigned(certificatePath: certificatePath, keyPath: keyPath,
                                name: serverName ?? config.serverName)
            return
        }
        let path = output ?? config.resolvedSigningKeyPath
        do {
            let key = try SigningKeyFile.create(at: path)
            print("wrote \(key.keyId) to \(path)")
            print("public key: \(key.publicKeyBase64)")
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    private func writeSelfSigned(certificatePath: String, keyPath: String, name: String) throws {
        let server: ServerName
        do {
            server = try ServerName(parsing: name)
        } catch {
            throw CommandFailure("--server-name: \(error.description)")
        }
        for path in [certificatePath, keyPath] where FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path) already exists; refusing to overwrite it")
        }
        var dnsNames: [String] = []
        var addresses: [[UInt8]] = []
        let commonName: String
        switch server.host {
        case .dns(let host):
            commonName = host
            dnsNames = [host]
            if host == "localhost" { addresses = [[127, 0, 0, 1], IPAddressBytes.ipv6Loopback] }
        case .ipv4(let text):
            commonName = text
            addresses = [IPAddressBytes.ipv4(text)].compactMap { $0 }
        case .ipv6(let text):
            commonName = text
            addresses = [IPAddressBytes.ipv6(text)].compactMap { $0 }
        }
        do {
            let pair = try SelfSignedCertificate.generate(commonName: commonName, dnsNames: dnsNames,
                                                          ipAddresses: addresses)
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(pair.privateKeyPEM.utf8),
                                                 attributes: [.posixPermissions: 0o600]),
                FileManager.default.createFile(atPath: certificatePath, contents: Data(pair.certificatePEM.utf8),
                                               attributes: [.posixPermissions: 0o644])
            else { throw CommandFailure("cannot write \(certificatePath) or \(keyPath)") }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("cannot make the certificate: \(error)")
        }
        print("wrote a self-signed certificate for \(name) to \(certificatePath) and its key to \(keyPath)")
    }
}
