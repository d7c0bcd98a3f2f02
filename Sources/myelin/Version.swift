import ArgumentParser
import FoundationEssentials
import MyelinStorage

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the schema version.")

    func run() {
        print("myelin \(CommandSupport.version) (database schema \(MyelinDatabase.schemaVersion))")
    }
}

enum FileManagerShim {
    static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
