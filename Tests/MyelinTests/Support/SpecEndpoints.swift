import Foundation

/// One endpoint of the client-server API: a method and a full path template (`{roomId}` placeholders).
struct SpecEndpoint: Hashable, CustomStringConvertible, Sendable {
    let method: String
    let path: String

    var description: String { "\(method) \(path)" }
}

/// The client-server endpoints of the spec beside the repository (`../shared/spec`), read from its OpenAPI
/// files at test time: each file's `basePath` default plus the keys of its `paths` and their methods.
/// A line-based reading is enough for these files, whose layout is regular (two spaces per level).
enum SpecEndpoints {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/spec/data/api/client-server")

    static func load() throws -> [SpecEndpoint] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var endpoints: [SpecEndpoint] = []
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            endpoints += try parse(text, file: file)
        }
        return endpoints
    }

    static func parse(_ text: String, file: String) throws -> [SpecEndpoint] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var basePath: String? = nil
        var inBasePath = false
        var inPaths = false
        var current: String? = nil
        var found: [(method: String, path: String)] = []
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                inPaths = line.hasPrefix("paths:")
                current = nil
                continue
            }
            if inPaths {
                if indent == 2, trimmed.hasSuffix(":") {
                    // Keys may be quoted and may carry a trailing space (the spec's way to list one path twice).
                    let key = trimmed.dropLast().trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                    current = key.hasPrefix("/") ? key : nil
                } else if indent == 4, let current, trimmed.hasSuffix(":") {
                    let method = String(trimmed.dropLast())
                    if ["get", "put", "post", "delete", "patch"].contains(method) {
                        found.append((method.uppercased(), current))
                    }
                }
            } else if trimmed == "basePath:" {
                inBasePath = true
            } else if inBasePath, trimmed.hasPrefix("default:") {
                basePath = trimmed.dropFirst("default:".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                inBasePath = false
            }
        }
        guard !found.isEmpty else { return [] }
        guard let basePath else { throw TestFailure("\(file): no servers basePath default") }
        return found.map { SpecEndpoint(method: $0.method, path: basePath + $0.path) }
    }
}
