import CVips

// Owns one VipsImage reference and drops it on every exit path, so an early error return cannot leak
// an image (the worker is long-lived; leaks would accumulate across thousands of requests).
final class VipsImageRef {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(_ pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }

    deinit { g_object_unref(UnsafeMutableRawPointer(pointer)) }

    var width: Int { Int(vips_image_get_width(pointer)) }
    /// Height of all frames together: libvips stacks the frames of an animation vertically.
    var fullHeight: Int { Int(vips_image_get_height(pointer)) }
    /// Height of one frame.
    var pageHeight: Int { Int(vips_image_get_page_height(pointer)) }
    /// Frames actually present. The "n-pages" field is not used: it describes the source file and
    /// is copied unchanged through operations that drop or merge frames.
    var frames: Int { max(1, fullHeight / max(1, pageHeight)) }
    /// Frames in the file, from its header ("n-pages"); for a header-only open, where the image
    /// itself holds just the first frame.
    var pagesInFile: Int { Int(vips_image_get_n_pages(pointer)) }
}
