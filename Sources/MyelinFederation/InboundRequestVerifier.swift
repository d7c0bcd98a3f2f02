import MatrixCore
import MyelinRooms

/// Checks the X-Matrix signature of a request another server sent us and names its origin. Every
/// federation endpoint but the key endpoints goes through it; a failure is 401 `M_UNAUTHORIZED`.
public struct InboundRequestVerifier: Sendable {
    let serverName: String
    let keys: any ServerKeyLookup
    let nowMs: @Sendable () -> Int64

    public init(serverName: String, keys: any ServerKeyLookup, nowMs: @escaping @Sendable () -> Int64) {
        self.serverName = serverName
        self.keys = keys
        self.nowMs = nowMs
    }

    /// What can be checked before the body is read: at least one X-Matrix header that parses, names a
    /// valid origin and is meant for this server. A request failing it is refused unread.
    public func precheck(authorization: [String]) throws(MatrixError) {
        var problems: [String] = []
        for header in authorization where header.lowercased().hasPrefix("x-matrix ") {
            do {
                let auth = try XMatrixAuthorization(parsing: header)
                if (try? ServerName(parsing: auth.origin)) == nil {
                    problems.append("origin \(auth.origin) is not a server name")
                } else if let destination = auth.destination, destination != serverName {
                    problems.append("the request is for \(destination), not \(serverName)")
                } else {
                    return
                }
            } catch {
                problems.append(error.description)
            }
        }
        let reason = problems.isEmpty ? "Missing X-Matrix Authorization header" : problems.joined(separator: "; ")
        throw MatrixError("M_UNAUTHORIZED", reason, status: 401)
    }

    /// The verified origin. `uri` is the request target as received (path and query, still encoded);
    /// `content` the parsed JSON body, nil when the request has none.
    public func verify(authorization: [String], method: String, uri: String, content: JSONValue?)
        async throws(MatrixError) -> String
    {
        // A request may carry several X-Matrix headers (one per key); any valid one is enough.
        let headers = authorization.filter { $0.lowercased().hasPrefix("x-matrix ") }
        guard !headers.isEmpty else {
            throw MatrixError("M_UNAUTHORIZED", "Missing X-Matrix Authorization header", status: 401)
        }
        var problems: [String] = []
        var origin: String? = nil
        for header in headers {
            let auth: XMatrixAuthorization
            do {
                auth = try XMatrixAuthorization(parsing: header)
            } catch {
                problems.append(error.description)
                continue
            }
            guard (try? ServerName(parsing: auth.origin)) != nil else {
                problems.append("origin \(auth.origin) is not a server name")
                continue
            }
            if let destination = auth.destination, destination != serverName {
                problems.append("the request is for \(destination), not \(serverName)")
                continue
            }
            let key: VerifyKey?
            do {
                key = try await keys.verifyKey(server: auth.origin, keyId: auth.keyId, validAtMs: nowMs())
            } catch {
                problems.append("cannot fetch \(auth.origin)'s key \(auth.keyId): \(error)")
                continue
            }
            guard let key else {
                problems.append("\(auth.origin)'s key \(auth.keyId) is unknown or expired")
                continue
            }
            do {
                try auth.verify(method: method, uri: uri, destination: serverName, content: content, key: key)
                origin = auth.origin
                break
            } catch {
                problems.append("bad signature by \(auth.origin): \(error)")
            }
        }
        guard let origin else {
            throw MatrixError("M_UNAUTHORIZED", "Request not signed correctly: " + problems.joined(separator: "; "),
                              status: 401)
        }
        return origin
    }
}
