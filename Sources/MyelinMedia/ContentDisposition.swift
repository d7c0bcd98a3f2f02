/// The `Content-Disposition` header of a download (RFC 6266): `inline` or `attachment`, with the file
/// name when there is one.
public enum ContentDisposition {
    /// A name of printable ASCII goes in a quoted `filename="..."` (with `\` and `"` escaped); any other
    /// name goes in `filename*=utf-8''...` (RFC 8187 percent-encoding), which every current browser reads.
    public static func header(inline: Bool, fileName: String?) -> String {
        let kind = inline ? "inline" : "attachment"
        guard let fileName, !fileName.isEmpty else { return kind }
        if fileName.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var quoted = ""
            for character in fileName {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return "\(kind); filename=\"\(quoted)\""
        }
        return "\(kind); filename*=utf-8''\(percentEncode(fileName))"
    }

    /// RFC 8187 `attr-char` stays as it is; every other byte of the UTF-8 becomes `%XX`.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.append(byte)
            case _ where Array("!#$&+-.^_`|~".utf8).contains(byte):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
