import CVips

// What libvips still holds between requests. With the operation cache off, every figure should be
// back at its idle value after each request; the `stats` request exposes them so tests can catch a
// leak that would slowly grow a long-lived worker.
struct VipsUsage {
    let objects: Int
    let trackedBytes: Int
    let trackedAllocs: Int
    let openFiles: Int

    static func current() -> VipsUsage {
        var count = 0
        withUnsafeMutablePointer(to: &count) { counter in
            _ = vips_object_map({ _, a, _ in
                a?.assumingMemoryBound(to: Int.self).pointee += 1
                return nil
            }, UnsafeMutableRawPointer(counter), nil)
        }
        return VipsUsage(objects: count, trackedBytes: Int(vips_tracked_get_mem()),
                         trackedAllocs: Int(vips_tracked_get_allocs()), openFiles: Int(vips_tracked_get_files()))
    }
}
