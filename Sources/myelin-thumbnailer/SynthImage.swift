import CVips
import Glibc

// `myelin-thumbnailer synth FORMAT WIDTH HEIGHT OUT [--frames N] [--exif-orientation K]`: writes a
// gradient-plus-noise test image so tests and benchmarks need no external tools or fixture files.
// The noise keeps JPEG sizes and decode costs close to a real photo; frames differ so a GIF encoder
// cannot merge them.
enum SynthImage {
    static let usage = "usage: myelin-thumbnailer synth jpeg|png|gif|webp WIDTH HEIGHT OUT [--frames N] [--exif-orientation K]\n"

    static func run(_ args: [String]) -> Int32 {
        guard args.count >= 4, let width = Int(args[1]), let height = Int(args[2]),
              (1...20_000).contains(width), (1...20_000).contains(height) else {
            StandardError.write(usage)
            return 64
        }
        let suffixes = ["jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp"]
        guard let suffix = suffixes[args[0]] else { StandardError.write(usage); return 64 }
        var frames = 1
        var orientation: Int32?
        var rest = args.dropFirst(4)
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst().flatMap({ Int($0) }) else { StandardError.write(usage); return 64 }
            switch flag {
            case "--frames" where (1...100).contains(value): frames = value
            case "--exif-orientation" where (1...8).contains(value): orientation = Int32(value)
            default: StandardError.write(usage); return 64
            }
        }

        guard frames == 1 || args[0] == "gif" || args[0] == "webp" else {
            StandardError.write("synth: --frames needs gif or webp\n")
            return 64
        }
        let pixels = makePixels(width: width, height: height, frames: frames)
        guard let raw = pixels.withUnsafeBytes({ bytes in
            vips_image_new_from_memory_copy(bytes.baseAddress, bytes.count, Int32(width), Int32(height * frames), 3,
                                            VIPS_FORMAT_UCHAR)
        }) else {
            VipsErrorText.takeAndLog(context: "synth")
            return 1
        }
        let image = VipsImageRef(raw)
        if frames > 1 {
            // libvips stores frames stacked vertically; page-height says where one ends.
            vips_image_set_int(image.pointer, "page-height", Int32(height))
            vips_image_set_int(image.pointer, "loop", 0)
            var delays = [Int32](repeating: 100, count: frames)
            delays.withUnsafeMutableBufferPointer { vips_image_set_array_int(image.pointer, "delay", $0.baseAddress, Int32(frames)) }
        }
        if let orientation { vips_image_set_int(image.pointer, "orientation", orientation) }

        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard myelin_vips_write_to_buffer(image.pointer, suffix, &buffer, &length) == 0, let buffer else {
            VipsErrorText.takeAndLog(context: "synth save")
            return 1
        }
        let encoded = VipsBuffer(base: buffer, count: length)
        return writeFile(path: args[3], bytes: encoded.bytes) ? 0 : 1
    }

    private static func makePixels(width: Int, height: Int, frames: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * frames * 3)
        var seed: UInt32 = 0x9E37_79B9
        pixels.withUnsafeMutableBufferPointer { out in
            var index = 0
            for frame in 0..<frames {
                let shift = frame * 40
                for y in 0..<height {
                    let green = UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1))
                    for x in 0..<width {
                        // xorshift32: cheap noise, deterministic so runs are comparable. Six bits
                        // of it in every channel give JPEGs about the size of a camera photo's
                        // (a smooth gradient alone would compress ~20x better and decode far faster).
                        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
                        let noise = Int(seed & 0x3F)
                        let noise2 = Int(seed >> 8 & 0x3F)
                        let noise3 = Int(seed >> 16 & 0x3F)
                        out[index] = UInt8(truncatingIfNeeded: (x * 191 / max(1, width - 1) + shift + noise) & 0xFF)
                        out[index + 1] = UInt8(truncatingIfNeeded: Int(green) * 3 / 4 + noise2)
                        out[index + 2] = UInt8(truncatingIfNeeded: 96 + noise3 + shift)
                        index += 3
                    }
                }
            }
        }
        return pixels
    }

    private static func writeFile(path: String, bytes: UnsafeRawBufferPointer) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { StandardError.write("synth: cannot open \(path)\n"); return false }
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count, let base = bytes.baseAddress {
            let result = write(fd, base + sent, bytes.count - sent)
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { StandardError.write("synth: write failed\n"); return false }
            sent += result
        }
        return true
    }
}
