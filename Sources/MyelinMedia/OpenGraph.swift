/// The preview facts of an HTML page: its OpenGraph `og:*` meta tags, with `<title>` and the
/// `description` meta tag as fallbacks. A tolerant scanner, not an HTML parser: it reads tags in
/// the document's head region and never executes or follows anything.
public struct OpenGraph: Sendable, Equatable {
    /// `og:*` properties as found (first occurrence wins), values with entities decoded.
    public var properties: [String: String] = [:]

    public var title: String? { properties["og:title"] }
    public var imageURL: String? { properties["og:image"] ?? properties["og:image:url"] }

    /// Scans at most `limit` bytes of `html`.
    public init(html: [UInt8], limit: Int = 1 << 20) {
        let text = String(decoding: html.prefix(limit), as: UTF8.self)
        var fallbackTitle: String?
        var fallbackDescription: String?
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            guard let close = text[open...].firstIndex(of: ">") else { break }
            let tag = text[text.index(after: open)..<close]
            let name = tag.prefix { !$0.isWhitespace && $0 != "/" }.lowercased()
            if name == "meta" {
                let attributes = Self.attributes(of: tag)
                let key = (attributes["property"] ?? attributes["name"])?.lowercased()
                if let key, let content = attributes["content"] {
                    if key.hasPrefix("og:"), properties[key] == nil { properties[key] = Self.decodeEntities(content) }
                    if key == "description", fallbackDescription == nil { fallbackDescription = Self.decodeEntities(content) }
                }
            } else if name == "title", fallbackTitle == nil, let end = Self.closingTitle(in: text[close...]) {
                let raw = text[text.index(after: close)..<end]
                fallbackTitle = Self.decodeEntities(String(raw)).trimmingWhitespace()
            } else if name == "body" {
                break
            }
            index = text.index(after: close)
        }
        if properties["og:title"] == nil, let fallbackTitle, !fallbackTitle.isEmpty { properties["og:title"] = fallbackTitle }
        if properties["og:description"] == nil, let fallbackDescription {
            properties["og:description"] = fallbackDescription
        }
    }

    /// Where `</title` starts (any case), if it does.
    static func closingTitle(in text: Substring) -> String.Index? {
        var search = text[...]
        while let lessThan = search.firstIndex(of: "<") {
            let after = search[search.index(after: lessThan)...]
            if after.prefix(6).lowercased() == "/title" { return lessThan }
            search = after
        }
        return nil
    }

    /// `name="value"`, `name='value'` and `name=value` attributes, names lower-cased.
    static func attributes(of tag: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = tag.drop { !$0.isWhitespace }
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "/" }
            guard !rest.isEmpty else { break }
            let name = rest.prefix { !$0.isWhitespace && $0 != "=" && $0 != "/" }
            rest = rest.dropFirst(name.count).drop { $0.isWhitespace }
            guard rest.first == "=" else {
                if !name.isEmpty { result[name.lowercased()] = "" }
                if name.isEmpty { rest = rest.dropFirst() }
                continue
            }
            rest = rest.dropFirst().drop { $0.isWhitespace }
            let value: Substring
            if let quote = rest.first, quote == "\"" || quote == "'" {
                let body = rest.dropFirst()
                value = body.prefix { $0 != quote }
                rest = body.dropFirst(value.count + 1)
            } else {
                value = rest.prefix { !$0.isWhitespace }
                rest = rest.dropFirst(value.count)
            }
            if result[name.lowercased()] == nil { result[name.lowercased()] = String(value) }
        }
        return result
    }

    /// The common named entities and numeric references.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") else {
                out.append(character)
                index = text.index(after: index)
                continue
            }
            let entity = text[text.index(after: index)..<semicolon]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos", "#39": replacement = "'"
            case "nbsp": replacement = "\u{A0}"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let code = UInt32(entity.dropFirst(2), radix: 16),
                    let scalar = Unicode.Scalar(code)
                {
                    replacement = String(Character(scalar))
                } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                    replacement = String(Character(scalar))
                }
            }
            if let replacement {
                out += replacement
                index = text.index(after: semicolon)
            } else {
                out.append(character)
                index = text.index(after: index)
            }
        }
        return out
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
