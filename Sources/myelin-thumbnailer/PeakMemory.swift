import Glibc

// Peak resident set size (VmHWM) of this process, read from /proc/self/status: the figure the
// benchmark reports, since the kernel tracks the high-water mark for us.
enum PeakMemory {
    static func vmHWMKiB() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("VmHWM:") else { continue }
            return Int(text.dropFirst(6).filter { $0.isNumber })
        }
        return nil
    }
}
