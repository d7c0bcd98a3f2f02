import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MatrixCore

/// A response as the tests look at it.
struct TestResponse: Sendable {
    let status: Int
    let body: Data
    let headers: [String: String]

    var json: JSONValue {
        (try? JSONParser.parse(Array(body))) ?? .null
    }

    var errcode: String? { json["errcode"]?.stringValue }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A plain HTTP client against the in-process server's real socket.
struct TestClient: Sendable {
    let baseURL: String

    func request(_ method: String, _ path: String, json: JSONValue? = nil, rawBody: Data? = nil,
                 token: String? = nil, headers: [String: String] = [:]) async throws -> TestResponse {
        guard let url = URL(string: baseURL + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let json {
            request.httpBody = Data(CanonicalJSON.encodeLenient(json))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = rawBody
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var responseHeaders: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { responseHeaders[key] = value }
        }
        return TestResponse(status: http.statusCode, body: data, headers: responseHeaders)
    }

    func get(_ path: String, token: String? = nil) async throws -> TestResponse {
        try await request("GET", path, token: token)
    }

    func post(_ path: String, _ json: JSONValue = [:], token: String? = nil) async throws -> TestResponse {
        try await request("POST", path, json: json, token: token)
    }

    func put(_ path: String, _ json: JSONValue = [:], token: String? = nil) async throws -> TestResponse {
        try await request("PUT", path, json: json, token: token)
    }
}
