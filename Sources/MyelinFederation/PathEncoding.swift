/// Percent-encoding for the parts of federation URLs: IDs go in path segments (`$event`, `!room:server`,
/// `@user:server`), tokens and IDs in query values.
public enum PathEncoding {
    /// Everything but RFC 3986 unreserved characters is escaped, so `/`, `?`, `#`, `%` and `:` in an
    /// ID cannot change the URL's structure.
    public static func segment(_ text: String) -> String { escape(text) }

    public static func queryComponent(_ text: String) -> String { escape(text) }

    private static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.append("%")
                out.append(Character(Unicode.Scalar(hex[Int(byte >> 4)])))
                out.append(Character(Unicode.Scalar(hex[Int(byte & 0xF)])))
            }
        }
        return out
    }
}
