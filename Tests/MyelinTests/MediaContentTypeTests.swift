import MyelinMedia
import Testing

@Suite struct MediaContentTypeTests {
    @Test func declaredMediaTypesMustAgreeWithTheBytes() {
        let png = MediaSamples.png(10)
        let pdf = MediaSamples.pdf
        #expect(ContentTypePolicy.storedType(declared: "image/png", head: png) == "image/png")
        #expect(ContentTypePolicy.storedType(declared: "IMAGE/PNG", head: png) == "image/png")
        #expect(ContentTypePolicy.storedType(declared: "image/png", head: pdf) == "application/octet-stream")
        #expect(ContentTypePolicy.storedType(declared: "image/jpeg", head: png) == "application/octet-stream")
        // Unrecognised bytes contradict a type we can verify, not one we cannot.
        let noise = MediaSamples.random(64, seed: 11).map { $0 | 0x80 }
        #expect(ContentTypePolicy.storedType(declared: "image/webp", head: noise) == "application/octet-stream")
        #expect(ContentTypePolicy.storedType(declared: "image/bmp", head: noise) == "image/bmp")
        #expect(ContentTypePolicy.storedType(declared: "image/bmp", head: pdf) == "application/octet-stream")
        // Containers: one signature, several legitimate types.
        let mp4: [UInt8] = [0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [0, 0, 0, 0]
        #expect(ContentTypePolicy.storedType(declared: "video/mp4", head: mp4) == "video/mp4")
        #expect(ContentTypePolicy.storedType(declared: "audio/mp4", head: mp4) == "audio/mp4")
        #expect(ContentTypePolicy.storedType(declared: "video/webm", head: mp4) == "application/octet-stream")
        let webm: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3, 0x9F]
        #expect(ContentTypePolicy.storedType(declared: "audio/webm", head: webm) == "audio/webm")
        #expect(ContentTypePolicy.storedType(declared: "audio/mpeg", head: Array("ID3\u{4}".utf8)) == "audio/mpeg")
        #expect(ContentTypePolicy.storedType(declared: "audio/mpeg", head: [0xFF, 0xFB, 0x90]) == "audio/mpeg")
        #expect(ContentTypePolicy.storedType(declared: "audio/ogg", head: Array("OggS\0".utf8)) == "audio/ogg")
        let wav = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEfmt ".utf8)
        #expect(ContentTypePolicy.storedType(declared: "audio/wav", head: wav) == "audio/wav")
        #expect(ContentTypePolicy.storedType(declared: "image/webp", head: wav) == "application/octet-stream")
        #expect(ContentTypePolicy.storedType(declared: "image/gif", head: Array("GIF89a".utf8)) == "image/gif")
        #expect(ContentTypePolicy.storedType(declared: "image/svg+xml", head: Array("<svg/>".utf8)) == "image/svg+xml")
        #expect(ContentTypePolicy.storedType(declared: "image/png", head: Array("<svg/>".utf8))
            == "application/octet-stream")
        // Other families are kept; absent or malformed types are octet-stream.
        #expect(ContentTypePolicy.storedType(declared: "application/pdf", head: png) == "application/pdf")
        #expect(ContentTypePolicy.storedType(declared: "text/plain;charset=UTF-8", head: png)
            == "text/plain; charset=UTF-8")
        #expect(ContentTypePolicy.storedType(declared: nil, head: png) == "application/octet-stream")
        #expect(ContentTypePolicy.storedType(declared: "not a type", head: png) == "application/octet-stream")
        #expect(ContentTypePolicy.storedType(declared: "text/plain\r\nX-Evil: 1", head: png)
            == "application/octet-stream")
    }

    @Test func sniffing() {
        #expect(ContentSniffer.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ContentSniffer.sniff(Array("PK\u{3}\u{4}rest".utf8)) == .zip)
        #expect(ContentSniffer.sniff(Array("fLaC".utf8)) == .flac)
        #expect(ContentSniffer.sniff([0xFF, 0xF1, 0x50]) == .aac)
        #expect(ContentSniffer.sniff(Array("plain text, ünïcode\n".utf8)) == .text)
        #expect(ContentSniffer.sniff([0x00, 0x01, 0x02]) == nil)
        #expect(ContentSniffer.sniff([UInt8]()) == nil)
        // A multi-byte character cut by the 512-byte prefix is still text.
        let long = Array(String(repeating: "a", count: 511).utf8) + Array("é and more".utf8)
        #expect(ContentSniffer.sniff(long) == .text)
    }

    @Test func inlineOnlyForTheSpecsList() {
        for type in ["image/png", "image/jpeg", "video/mp4", "audio/ogg", "text/plain; charset=utf-8", "text/csv"] {
            #expect(ContentTypePolicy.isInline(type), "\(type)")
        }
        for type in ["text/html", "image/svg+xml", "application/pdf", "application/octet-stream",
                     "application/javascript", "text/xml"] {
            #expect(!ContentTypePolicy.isInline(type), "\(type)")
        }
    }

    @Test func dispositionEscapesFileNames() {
        #expect(ContentDisposition.header(inline: true, fileName: nil) == "inline")
        #expect(ContentDisposition.header(inline: false, fileName: "a b.pdf") == "attachment; filename=\"a b.pdf\"")
        #expect(ContentDisposition.header(inline: false, fileName: "q\"\\.txt")
            == "attachment; filename=\"q\\\"\\\\.txt\"")
        #expect(ContentDisposition.header(inline: true, fileName: "日本.png")
            == "inline; filename*=utf-8''%E6%97%A5%E6%9C%AC.png")
        #expect(ContentDisposition.header(inline: true, fileName: "a;b'c%.png")
            == "inline; filename=\"a;b'c%.png\"")
    }
}
