import CVips

// An encoded image returned by a libvips saver. libvips allocates it with g_malloc, so it is freed
// with g_free exactly once, when the response has been written.
final class VipsBuffer {
    let bytes: UnsafeRawBufferPointer

    init(base: UnsafeMutableRawPointer, count: Int) {
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    deinit { g_free(UnsafeMutableRawPointer(mutating: bytes.baseAddress)) }
}
