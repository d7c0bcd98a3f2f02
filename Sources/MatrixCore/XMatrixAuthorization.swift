/// The `Authorization: X-Matrix ...` header of a federation request (server-server API, "Request
/// Authentication"): the origin's ed25519 signature over the method, the request target, origin,
/// destination and (when there is one) the JSON body.
public struct XMatrixAuthorization: Sendable, Equatable {
    public let origin: String
    /// Absent in headers from servers older than spec v1.3; then the receiver assumes itself.
    public let destination: String?
    public let keyId: String
    /// Unpadded base64.
    public let signature: String

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(origin: String, destination: String?, keyId: String, signature: String) {
        self.origin = origin
        self.destination = destination
        self.keyId = keyId
        self.signature = signature
    }

    /// Parses a header value: `X-Matrix` (case-insensitive) then comma-separated `name=value` pairs,
    /// values optionally double-quoted with `\` escapes (RFC 9110 auth-params). Unknown parameters are
    /// ignored, as the spec asks.
    public init(parsing header: String) throws(ParseError) {
        let bytes = Array(header.utf8)
        let scheme = Array("x-matrix".utf8)
        guard bytes.count > scheme.count,
            zip(bytes.prefix(scheme.count), scheme).allSatisfy({ Self.lower($0) == $1 }),
            bytes[scheme.count] == UInt8(ascii: " ")
        else { throw ParseError(description: "the Authorization header is not of the X-Matrix scheme") }
        var params: [String: String] = [:]
        var index = scheme.count
        while index < bytes.count {
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: ",") {
                index += 1
            }
            guard index < bytes.count else { break }
            let nameStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "=") { index += 1 }
            guard index < bytes.count else { throw ParseError(description: "X-Matrix parameter without '='") }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
                .trimmingSpaces()
            index += 1
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\\") {
                        guard index < bytes.count else { break }
                        value.append(bytes[index])
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { throw ParseError(description: "unterminated quoted value for \(name)") }
            } else {
                while index < bytes.count, bytes[index] != UInt8(ascii: ",") {
                    value.append(bytes[index])
                    index += 1
                }
                while value.last == UInt8(ascii: " ") { value.removeLast() }
            }
            guard params[name] == nil else { throw ParseError(description: "X-Matrix parameter \(name) given twice") }
            params[name] = String(decoding: value, as: UTF8.self)
        }
        guard let origin = params["origin"], !origin.isEmpty else {
            throw ParseError(description: "X-Matrix header without origin")
        }
        guard let key = params["key"], key.hasPrefix("ed25519:") else {
            throw ParseError(description: "X-Matrix header without an ed25519 key")
        }
        guard let sig = params["sig"], !sig.isEmpty else { throw ParseError(description: "X-Matrix header without sig") }
        self.init(origin: origin, destination: params["destination"], keyId: key, signature: sig)
    }

    /// The header value, every parameter quoted (Synapse quotes too; origin and destination may hold ':').
    public var headerValue: String {
        var parts = ["origin=\(Self.quote(origin))"]
        if let destination { parts.append("destination=\(Self.quote(destination))") }
        parts.append("key=\(Self.quote(keyId))")
        parts.append("sig=\(Self.quote(signature))")
        return "X-Matrix " + parts.joined(separator: ",")
    }

    /// What the signature covers: `{method, uri, origin, destination[, content]}`. `uri` is the path and
    /// query exactly as sent on the request line.
    public static func signedObject(method: String, uri: String, origin: String, destination: String,
                                    content: JSONValue?) -> JSONObject {
        var object: JSONObject = [
            "method": .string(method), "uri": .string(uri),
            "origin": .string(origin), "destination": .string(destination),
        ]
        if let content { object["content"] = content }
        return object
    }

    /// Signs a request as `origin` with our key.
    public static func sign(method: String, uri: String, origin: ServerName, destination: String,
                            content: JSONValue?, key: SigningKey) throws(JSONSigning.SigningError)
        -> XMatrixAuthorization
    {
        let object = signedObject(method: method, uri: uri, origin: origin.description, destination: destination,
                                  content: content)
        let signed = try JSONSigning.sign(object, as: origin, with: key)
        guard case .string(let sig)? = signed["signatures"]?[origin.description]?[key.keyId] else {
            throw JSONSigning.SigningError(description: "signing produced no signature")
        }
        return XMatrixAuthorization(origin: origin.description, destination: destination, keyId: key.keyId,
                                    signature: sig)
    }

    /// Checks this header's signature over a request received by `destination` (us).
    public func verify(method: String, uri: String, destination: String, content: JSONValue?, key: VerifyKey)
        throws(SignatureError)
    {
        var object = Self.signedObject(method: method, uri: uri, origin: origin, destination: destination,
                                       content: content)
        object["signatures"] = [origin: [keyId: .string(signature)]]
        try JSONSigning.verify(object, signedBy: origin, with: key)
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func quote(_ value: String) -> String {
        var out = "\""
        for character in value {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
