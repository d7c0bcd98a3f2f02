import FoundationEssentials
import TOMLKit

/// A configuration problem, worded for the admin who has to fix it: where, which key, what was expected.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Reads the TOML file (if any), then the `MYELIN_…` environment overrides, onto the defaults.
public enum ConfigLoader {
    public static func load(path: String?, environment: [String: String]) throws(ConfigError) -> MyelinConfig {
        var config = MyelinConfig()
        if let path {
            let text: String
            do {
                text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            } catch {
                throw ConfigError(description: "cannot read the config file \(path): \(error.localizedDescription)")
            }
            try apply(toml: text, source: path, to: &config)
        }
        try applyEnvironment(environment, to: &config)
        try checkCombinations(config)
        return config
    }

    /// Rules that span keys.
    static func checkCombinations(_ config: MyelinConfig) throws(ConfigError) {
        if config.tlsCertificatePath.isEmpty != config.tlsPrivateKeyPath.isEmpty {
            throw ConfigError(description:
                "'tls.certificate_path' and 'tls.private_key_path' go together: set both to serve TLS, or neither")
        }
        do {
            try config.outboundClientConfiguration.validate()
        } catch {
            throw ConfigError(description: "'outbound.allowed_networks': \(error)")
        }
        do {
            try config.urlPreviewClientConfiguration.validate()
        } catch {
            throw ConfigError(description: "'media.url_preview_allowed_networks': \(error)")
        }
    }

    /// Applies a TOML document. `source` names it in error messages.
    static func apply(toml text: String, source: String, to config: inout MyelinConfig) throws(ConfigError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(description: "\(source) line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigError(description: "\(source): \(error)")
        }
        let lines = KeyLines(text: text)
        try walk(table, prefix: "", source: source, lines: lines, config: &config)
    }

    private static func walk(_ table: TOMLTable, prefix: String, source: String, lines: KeyLines,
                             config: inout MyelinConfig) throws(ConfigError) {
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            let path = prefix.isEmpty ? key : prefix + "." + key
            let at = "\(source) line \(lines.line(of: path))"
            if value.type == .table, let inner = value.table {
                guard prefix.isEmpty, ConfigSchema.sections.contains(key) else {
                    throw ConfigError(description: "\(at): unknown section [\(path)]\(suggestion(for: path))")
                }
                try walk(inner, prefix: path, source: source, lines: lines, config: &config)
                continue
            }
            guard let schema = ConfigSchema.byPath[path] else {
                throw ConfigError(description: "\(at): unknown key '\(path)'\(suggestion(for: path))")
            }
            guard let converted = convert(value, to: schema.kind) else {
                throw ConfigError(description:
                    "\(at): '\(path)' must be \(schema.kind.expectation), found \(value.debugDescription)")
            }
            try check(converted, for: schema, at: at)
            schema.apply(&config, converted)
        }
    }

    static func applyEnvironment(_ environment: [String: String], to config: inout MyelinConfig) throws(ConfigError) {
        let known = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.environmentName, $0) })
        for (name, raw) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("MYELIN_") {
            // MYELIN_CONFIG names the file; it is not a key.
            if name == "MYELIN_CONFIG" { continue }
            guard let schema = known[name] else {
                throw ConfigError(description: "environment variable \(name) names no configuration key")
            }
            guard let converted = convert(environment: raw, to: schema.kind) else {
                throw ConfigError(description:
                    "environment variable \(name): '\(schema.path)' must be \(schema.kind.expectation), found \"\(raw)\"")
            }
            try check(converted, for: schema, at: "environment variable \(name)")
            schema.apply(&config, converted)
        }
    }

    private static func check(_ value: ConfigKey.Value, for schema: ConfigKey, at: String) throws(ConfigError) {
        switch (schema.kind, value) {
        case (.integer(let range), .integer(let i)) where !range.contains(i):
            throw ConfigError(description: "\(at): '\(schema.path)' must be \(schema.kind.expectation), found \(i)")
        case (.choice, .string(let s)) where !schema.kind.accepts(value):
            throw ConfigError(description: "\(at): '\(schema.path)' must be \(schema.kind.expectation), found \"\(s)\"")
        case (.number(let range), .number(let d)) where !range.contains(d):
            throw ConfigError(description: "\(at): '\(schema.path)' must be \(schema.kind.expectation), found \(d)")
        default:
            break
        }
        if let problem = schema.validate(value) {
            throw ConfigError(description: "\(at): '\(schema.path)' \(problem)")
        }
    }

    private static func convert(_ value: any TOMLValueConvertible, to kind: ConfigKey.Kind) -> ConfigKey.Value? {
        switch kind {
        case .string, .choice:
            return value.type == .string ? value.string.map(ConfigKey.Value.string) : nil
        case .integer:
            return value.type == .int ? value.int.map(ConfigKey.Value.integer) : nil
        case .number:
            if value.type == .int, let i = value.int { return .number(Double(i)) }
            return value.type == .double ? value.double.map(ConfigKey.Value.number) : nil
        case .boolean:
            return value.type == .bool ? value.bool.map(ConfigKey.Value.boolean) : nil
        case .stringList:
            guard value.type == .array, let array = value.array else { return nil }
            var strings: [String] = []
            for item in array {
                guard item.type == .string, let s = item.string else { return nil }
                strings.append(s)
            }
            return .strings(strings)
        }
    }

    private static func convert(environment raw: String, to kind: ConfigKey.Kind) -> ConfigKey.Value? {
        switch kind {
        case .string, .choice: return .string(raw)
        case .integer: return Int(raw).map(ConfigKey.Value.integer)
        case .number: return Double(raw).map(ConfigKey.Value.number)
        case .boolean:
            switch raw.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: return nil
            }
        case .stringList:
            // Comma-separated; an empty variable is an empty list.
            return .strings(raw.split(separator: ",").map { String($0).trimmedSpaces() }.filter { !$0.isEmpty })
        }
    }

    private static func suggestion(for path: String) -> String {
        let scored = ConfigSchema.keys.map { ($0.path, editDistance($0.path, path)) }.min { $0.1 < $1.1 }
        if let (best, distance) = scored, distance <= 3 { return " (did you mean '\(best)'?)" }
        return " (config/myelin.example.toml lists every key)"
    }

    /// Levenshtein distance, for suggesting the key an admin probably meant.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ConfigKey.Kind {
    func accepts(_ value: ConfigKey.Value) -> Bool {
        if case .choice(let options) = self, case .string(let s) = value { return options.contains(s) }
        return true
    }
}

extension String {
    func trimmedSpaces() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}

/// Where each dotted key was written, so errors can name the line (TOMLKit does not keep positions).
struct KeyLines {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var section = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmedSpaces()
            if line.hasPrefix("[") {
                section = String(line.dropFirst().prefix { $0 != "]" }).trimmedSpaces()
                if lines[section] == nil { lines[section] = index + 1 }
                continue
            }
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmedSpaces().filter { $0 != "\"" }
            let path = section.isEmpty ? key : section + "." + key
            if lines[path] == nil { lines[path] = index + 1 }
        }
    }

    func line(of path: String) -> Int { lines[path] ?? 1 }
}
