import FoundationEssentials
import Glibc
import Logging
import MyelinServer

/// What every command does first: find and read the config, and set up logging.
enum CommandSupport {
    static let version = MyelinVersion.string

    static func configPath(_ option: String?) -> String? {
        if let option { return option }
        if let fromEnvironment = ProcessInfo.processInfo.environment["MYELIN_CONFIG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return FileManager.default.fileExists(atPath: "myelin.toml") ? "myelin.toml" : nil
    }

    static func loadConfig(_ option: String?) throws -> MyelinConfig {
        do {
            return try ConfigLoader.load(path: configPath(option), environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure("configuration error: \(error.description)")
        }
    }

    static func bootstrapLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "myelin")
        logger.logLevel = level
        return logger
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) != 0 }

    /// Reads a line from the terminal without echoing it.
    static func readSecret(prompt: String) -> String? {
        FileHandleOutput.standardError(prompt)
        var original = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if haveTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if haveTerminal {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
                FileHandleOutput.standardError("\n")
            }
        }
        return readLine(strippingNewline: true)
    }
}

/// A command failed for a reason the admin can act on: printed without a stack trace, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        var text = text
        text.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }
}
