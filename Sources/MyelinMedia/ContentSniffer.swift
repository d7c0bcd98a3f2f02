/// A file format recognised from its first bytes.
public enum SniffedFormat: String, Sendable, CaseIterable {
    case jpeg, png, gif, webp, pdf, isoMedia, matroska, ogg, mp3, aac, flac, wav, zip, text

    /// The content types these bytes are consistent with (lower case, no parameters).
    var compatibleTypes: Set<String> {
        switch self {
        case .jpeg: return ["image/jpeg", "image/jpg", "image/pjpeg"]
        case .png: return ["image/png", "image/apng"]
        case .gif: return ["image/gif"]
        case .webp: return ["image/webp"]
        case .pdf: return ["application/pdf"]
        // The ISO base media file format ("ftyp" box): MP4, QuickTime, 3GP, M4A, and HEIF/AVIF stills.
        case .isoMedia:
            return ["video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "video/3gpp2", "audio/mp4",
                    "audio/x-m4a", "audio/m4a", "audio/3gpp", "image/avif", "image/avif-sequence", "image/heic",
                    "image/heif", "image/heic-sequence", "image/heif-sequence"]
        case .matroska: return ["video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska"]
        case .ogg: return ["audio/ogg", "video/ogg", "application/ogg", "audio/opus", "audio/vorbis"]
        case .mp3: return ["audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg"]
        case .aac: return ["audio/aac", "audio/aacp", "audio/x-aac"]
        case .flac: return ["audio/flac", "audio/x-flac"]
        case .wav: return ["audio/wav", "audio/wave", "audio/x-wav", "audio/x-pn-wav", "audio/vnd.wave"]
        case .zip: return ["application/zip", "application/x-zip-compressed"]
        // Text formats that declare image types exist: SVG is XML.
        case .text: return ["image/svg+xml"]
        }
    }
}

/// Recognises formats from the first bytes of a file (magic numbers; for text, a UTF-8 heuristic).
public enum ContentSniffer {
    /// How many leading bytes `sniff` looks at.
    public static let prefixLength = 512

    public static func sniff(_ bytes: some Collection<UInt8>) -> SniffedFormat? {
        let head = Array(bytes.prefix(prefixLength))
        if head.isEmpty { return nil }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return .gif }
        if head.starts(with: Array("RIFF".utf8)), head.count >= 12 {
            let kind = Array(head[8..<12])
            if kind == Array("WEBP".utf8) { return .webp }
            if kind == Array("WAVE".utf8) { return .wav }
        }
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) { return .isoMedia }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if head.starts(with: Array("OggS".utf8)) { return .ogg }
        if head.starts(with: Array("fLaC".utf8)) { return .flac }
        if head.starts(with: Array("ID3".utf8)) { return .mp3 }
        if head.count >= 2, head[0] == 0xFF, head[1] & 0xE0 == 0xE0 {
            // An MPEG audio frame sync: layer bits 00 are ADTS (AAC), anything else MPEG-1/2 layer I-III.
            return head[1] & 0x06 == 0 ? .aac : .mp3
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if looksLikeText(head, whole: bytes.count <= prefixLength) { return .text }
        return nil
    }

    /// UTF-8 (a sequence cut at the end of the prefix is allowed) with no control characters other than
    /// tab, line feed, form feed, carriage return and escape.
    static func looksLikeText(_ head: [UInt8], whole: Bool) -> Bool {
        for byte in head where byte < 0x20 {
            if ![0x09, 0x0A, 0x0C, 0x0D, 0x1B].contains(byte) { return false }
        }
        if head.contains(0x7F) { return false }
        if String(validating: head, as: UTF8.self) != nil { return true }
        guard !whole else { return false }
        // Drop up to 3 trailing bytes of a character the prefix cut in two.
        for cut in 1...3 where head.count > cut {
            if String(validating: head.dropLast(cut), as: UTF8.self) != nil { return true }
        }
        return false
    }
}
