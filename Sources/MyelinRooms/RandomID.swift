import MyelinAccounts

/// Random localparts for room IDs and v1/v2 event IDs: letters only, as Synapse makes them, so no
/// client trips over punctuation in an opaque ID.
public enum RandomID {
    public static func letters(_ count: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return String(decoding: Crypto.randomBytes(count).map { letters[Int($0) % letters.count] }, as: UTF8.self)
    }
}
