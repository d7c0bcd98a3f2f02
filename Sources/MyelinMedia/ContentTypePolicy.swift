/// Which `Content-Type` an upload is stored and served with, and whether it may be served inline.
///
/// The rule: a declared type is kept unless it is an `image/`, `video/` or `audio/` type that the bytes
/// contradict, in which case `application/octet-stream` is stored. The bytes contradict the declared type
/// when either
///   - they are a recognised format (see `ContentSniffer`) that is not compatible with the declared type
///     (a PDF declared `image/png`), or
///   - they are not recognised at all while the declared type is one whose signature we know
///     (an encrypted blob declared `image/png`; a zero-byte `image/png`).
/// Media types we cannot check (`image/bmp`, `image/tiff`, ...) are trusted when the bytes are unrecognised.
/// A missing, empty or malformed declared type is `application/octet-stream` (the spec's default);
/// other types (`text/*`, `application/*`) are kept as declared: the disposition, computed from the
/// stored type, is what keeps them harmless.
public enum ContentTypePolicy {
    public static let octetStream = "application/octet-stream"

    /// The spec's list of types that are safe with `Content-Disposition: inline` ("Serving inline content").
    public static let inlineTypes: Set<String> = [
        "text/css", "text/plain", "text/csv", "application/json", "application/ld+json",
        "image/jpeg", "image/gif", "image/png", "image/apng", "image/webp", "image/avif",
        "video/mp4", "video/webm", "video/ogg", "video/quicktime",
        "audio/mp4", "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav",
        "audio/x-wav", "audio/x-pn-wav", "audio/flac", "audio/x-flac",
    ]

    /// Declared media types whose signature `ContentSniffer` knows: unrecognised bytes contradict them.
    static let verifiableTypes: Set<String> = SniffedFormat.allCases
        .filter { $0 != .text }
        .reduce(into: Set<String>()) { $0.formUnion($1.compatibleTypes) }
        .filter(isMediaFamily)

    /// The type to store for an upload declared as `declared` (the request's Content-Type header, if any)
    /// whose leading bytes are `head`.
    public static func storedType(declared: String?, head: some Collection<UInt8>) -> String {
        guard let normalized = normalize(declared) else { return octetStream }
        let essence = essence(of: normalized)
        guard isMediaFamily(essence) else { return normalized }
        if let format = ContentSniffer.sniff(head) {
            return format.compatibleTypes.contains(essence) ? normalized : octetStream
        }
        return verifiableTypes.contains(essence) ? octetStream : normalized
    }

    /// Whether content of this type may be served `inline` (otherwise `attachment`).
    public static func isInline(_ contentType: String) -> Bool {
        inlineTypes.contains(essence(of: contentType))
    }

    /// `type/subtype` in lower case, without parameters.
    public static func essence(of contentType: String) -> String {
        let main = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return main.trimmingSpaces().lowercased()
    }

    /// A well-formed content type (`token/token`, then parameters in printable ASCII) with its essence in
    /// lower case; nil for anything else (which could not safely go back out in a header).
    static func normalize(_ declared: String?) -> String? {
        guard let declared else { return nil }
        let trimmed = Substring(declared).trimmingSpaces()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 255,
            trimmed.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        let parts = trimmed.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
        let essence = parts[0].trimmingSpaces().lowercased()
        let halves = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(isTokenByte) }) else {
            return nil
        }
        if parts.count == 2 {
            let parameters = parts[1].trimmingSpaces()
            return parameters.isEmpty ? essence : essence + "; " + parameters
        }
        return essence
    }

    static func isMediaFamily(_ essence: String) -> Bool {
        essence.hasPrefix("image/") || essence.hasPrefix("video/") || essence.hasPrefix("audio/")
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
