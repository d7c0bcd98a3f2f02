import CVips

// libvips reports failures through a global error buffer. The worker logs it to stderr (useful when
// debugging a bad upload) and clears it so the next request starts clean; callers only get a short
// fixed reason, never libvips's text, because that can echo attacker-controlled bytes.
enum VipsErrorText {
    static func takeAndLog(context: String) {
        if let text = vips_error_buffer(), text.pointee != 0 {
            StandardError.write("myelin-thumbnailer: \(context): \(String(cString: text))")
        }
        vips_error_clear()
    }
}
