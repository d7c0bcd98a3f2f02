/// The words user directory searches match: lower-cased runs of letters and digits, everything else a
/// separator (as SQLite's simple full-text tokenizer that Synapse's directory uses on SQLite). A search
/// word matches a user when it is the prefix of one of the words of their localpart or displayname.
public enum DirectoryWords {
    /// At most this many words of a search term count; more would only make the query longer.
    public static let maxSearchWords = 8

    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The stored form of a displayname's words: each preceded by a space, so `LIKE '% word%'` finds a
    /// word prefix anywhere. Nil when the name has no words.
    public static func tokens(_ text: String?) -> String? {
        guard let text else { return nil }
        let words = words(text)
        return words.isEmpty ? nil : words.map { " " + $0 }.joined()
    }
}
