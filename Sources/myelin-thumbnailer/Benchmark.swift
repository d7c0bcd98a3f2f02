import Glibc

// `myelin-thumbnailer bench INPUT WIDTH HEIGHT crop|scale COUNT`: runs the same code path as a
// request COUNT times in this process and prints thumbnails/s and peak RSS, for the closing notes.
enum Benchmark {
    static let usage = "usage: myelin-thumbnailer bench INPUT WIDTH HEIGHT crop|scale COUNT\n"

    static func run(_ args: [String]) -> Int32 {
        guard args.count == 5, let width = Int(args[1]), let height = Int(args[2]),
              let method = ThumbnailJob.Method(rawValue: args[3]), let count = Int(args[4]), count > 0 else {
            StandardError.write(usage)
            return 64
        }
        let job = ThumbnailJob(path: args[0], width: width, height: height, method: method, animated: false,
                               maxInputPixels: 100_000_000)
        let start = monotonicSeconds()
        var lastSize = 0
        for _ in 0..<count {
            do throws(JobFailure) {
                lastSize = try job.run().data.bytes.count
            } catch {
                StandardError.write("bench: \(error.reason)\n")
                return 1
            }
        }
        let elapsed = monotonicSeconds() - start
        let rate = Double(count) / elapsed
        let peak = PeakMemory.vmHWMKiB().map { "\($0) KiB" } ?? "unknown"
        print("\(count) thumbnails \(method.rawValue) \(width)x\(height) in \(elapsed) s: \(rate) thumbnails/s; output \(lastSize) bytes; VmHWM \(peak)")
        return 0
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
