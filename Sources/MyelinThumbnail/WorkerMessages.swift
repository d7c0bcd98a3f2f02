import Foundation

/// The JSON headers exchanged with the worker (protocol described in
/// myelin-thumbnailer/WorkerProtocol.swift). The wire uses snake_case keys; the coders convert.
struct WorkerRequest: Encodable {
    var id: Int
    var op: String
    var path: String?
    var width: Int?
    var height: Int?
    var method: String?
    var animated: Bool?
    var maxInputPixels: Int?

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array(try encoder.encode(self))
    }
}

struct WorkerResponse: Decodable {
    var id: Int?
    var ok: Bool
    var error: String?
    var length: Int?
    var contentType: String?
    var format: String?
    var width: Int?
    var height: Int?
    var frames: Int?
    var objects: Int?
    var trackedBytes: Int?
    var trackedAllocs: Int?
    var openFiles: Int?

    static func decode(_ bytes: [UInt8]) throws -> WorkerResponse {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(WorkerResponse.self, from: Data(bytes))
    }
}

/// libvips's bookkeeping inside the worker (the `stats` request), used by tests to check that
/// requests leave nothing behind.
struct WorkerUsage: Sendable, Equatable {
    var objects: Int
    var trackedBytes: Int
    var trackedAllocs: Int
    var openFiles: Int
}
