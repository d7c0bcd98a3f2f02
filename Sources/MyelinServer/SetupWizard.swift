import MatrixCore
import MyelinAccounts

/// The first-run questions: server name, where to listen, who may register, and an optional admin
/// account. Input and output are injected so the questions can be tested with scripted answers; the CLI
/// wires them to the terminal.
public struct SetupWizard {
    public struct Result: Sendable {
        public var config: MyelinConfig
        /// The TOML to save (only what differs from the defaults, with a pointer to the documented example).
        public var toml: String
        public var admin: (name: String, password: String)?
    }

    /// Reads one answer (nil at end of input).
    let ask: (String) -> String?
    /// Reads a secret without echo.
    let askSecret: (String) -> String?
    let say: (String) -> Void

    public init(ask: @escaping (String) -> String?, askSecret: @escaping (String) -> String?,
                say: @escaping (String) -> Void) {
        self.ask = ask
        self.askSecret = askSecret
        self.say = say
    }

    public struct Aborted: Error, CustomStringConvertible {
        public let description = "setup ended before it was finished (end of input)"
    }

    public func run(base: MyelinConfig = MyelinConfig()) throws -> Result {
        var config = base
        say("Myelin first-run setup. Press Enter to keep the value in brackets.")
        say("The server name is the part after ':' in user IDs (@you:example.org); it cannot change later.")
        config.serverName = try question("Server name", default: config.serverName) { answer in
            (try? ServerName(parsing: answer)) == nil ? "not a valid server name (a host name, IP, optional :port)" : nil
        }
        config.listenAddress = try question("Listen address (0.0.0.0 for every interface)", default: config.listenAddress) {
            $0.isEmpty ? "must not be empty" : nil
        }
        config.listenPort = Int(try question("Listen port", default: String(config.listenPort)) { answer in
            guard let port = Int(answer), (1...65535).contains(port) else { return "a port from 1 to 65535" }
            return nil
        }) ?? config.listenPort
        let modes = RegistrationMode.allCases.map(\.rawValue)
        say("Registration: auto = open until an admin exists, then closed; closed; token = needs a registration token; open = anyone.")
        config.registrationMode = RegistrationMode(rawValue: try question(
            "Registration mode (\(modes.joined(separator: "/")))", default: config.registrationMode.rawValue) {
                modes.contains($0) ? nil : "one of \(modes.joined(separator: ", "))"
            }) ?? config.registrationMode

        var admin: (String, String)? = nil
        let wantsAdmin = try question("Create an admin account now? (yes/no)", default: "yes") {
            ["yes", "no", "y", "n"].contains($0.lowercased()) ? nil : "yes or no"
        }.lowercased().hasPrefix("y")
        if wantsAdmin {
            let name = try question("Admin user name", default: "admin") { answer in
                let lower = answer.lowercased()
                if !UserID.isStrictLocalpart(lower) { return "use a-z, 0-9 and . _ = - / +" }
                if lower.allSatisfy({ $0.isNumber }) { return "all-digit names are reserved" }
                if lower.hasPrefix("_") { return "names starting with '_' are reserved" }
                return nil
            }.lowercased()
            while true {
                guard let first = askSecret("Password for \(name): "), let second = askSecret("Repeat it: ") else {
                    throw Aborted()
                }
                if first != second { say("The passwords differ; try again."); continue }
                if first.count < config.passwordMinLength {
                    say("Use at least \(config.passwordMinLength) characters."); continue
                }
                admin = (name, first)
                break
            }
        }
        return Result(config: config, toml: Self.toml(for: config), admin: admin)
    }

    private func question(_ prompt: String, default value: String, check: (String) -> String?) throws -> String {
        while true {
            guard let raw = ask("\(prompt) [\(value)]: ") else { throw Aborted() }
            let answer = raw.trimmedSpaces().isEmpty ? value : raw.trimmedSpaces()
            if let problem = check(answer) {
                say("  \(problem)")
                continue
            }
            return answer
        }
    }

    /// The chosen values as TOML. Everything else keeps its default (see config/myelin.example.toml).
    static func toml(for config: MyelinConfig) -> String {
        """
        # Written by `myelin` first-run setup. Every other key keeps its default; the documented list of
        # keys is config/myelin.example.toml in the Myelin sources.
        server_name = \(quoted(config.serverName))
        data_dir = \(quoted(config.dataDir))

        [listen]
        address = \(quoted(config.listenAddress))
        port = \(config.listenPort)

        [registration]
        mode = \(quoted(config.registrationMode.rawValue))

        """
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
