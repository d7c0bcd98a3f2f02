/// The URLs URL previews deal with: absolute http(s) only, and references resolved against a page.
public enum PreviewURL {
    /// The URL itself when it is an absolute http or https URL of sane length, nil otherwise.
    public static func validated(_ text: String) -> String? {
        guard text.utf8.count <= 2048, let (scheme, rest) = split(text), scheme == "http" || scheme == "https",
            rest.hasPrefix("//"), rest.count > 2,
            !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        else { return nil }
        return text
    }

    /// `reference` (from an `og:image`) made absolute against `base` (the page's URL).
    public static func resolve(_ reference: String, against base: String) -> String? {
        let reference = reference.trimmingWhitespace()
        if let (scheme, _) = split(reference) {
            return scheme == "http" || scheme == "https" ? validated(reference) : nil
        }
        guard let (scheme, rest) = split(base) else { return nil }
        let authorityEnd = rest.dropFirst(2).firstIndex(of: "/") ?? rest.endIndex
        let origin = scheme + ":" + rest[..<authorityEnd]
        if reference.hasPrefix("//") { return validated(scheme + ":" + reference) }
        if reference.hasPrefix("/") { return validated(origin + reference) }
        let path = rest[authorityEnd...].prefix { $0 != "?" && $0 != "#" }
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return validated(origin + directory + reference)
    }

    private static func split(_ text: String) -> (scheme: String, rest: Substring)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
            scheme.first?.isLetter == true
        else { return nil }
        return (scheme.lowercased(), text[text.index(after: colon)...])
    }
}
