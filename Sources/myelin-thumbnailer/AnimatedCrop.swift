import CVips

// Crop of an animation to exactly width×height per frame. libvips 8.14's vips_thumbnail applies its
// crop to the whole stack of frames as if it were one tall image (the result has a single frame), so
// animated crops scale to cover first and then cut the centre out of every frame separately.
struct AnimatedCrop {
    let width: Int
    let height: Int

    func run(loadPath: String, source: SourceImage) throws(JobFailure) -> VipsImageRef {
        // The scale that makes one frame cover the target box; rounded up so the scaled frame is
        // never a pixel short of the box.
        let scale = max(Double(width) / Double(source.width), Double(height) / Double(source.height))
        let coverWidth = max(width, Int((Double(source.width) * scale).rounded(.up)))
        let coverHeight = max(height, Int((Double(source.height) * scale).rounded(.up)))
        let scaled = try ThumbnailJob.thumbnail(loadPath, width: coverWidth, height: coverHeight, crop: false, upscale: true)

        let frameWidth = scaled.width
        let frameHeight = scaled.pageHeight
        let cropWidth = min(width, frameWidth)
        let cropHeight = min(height, frameHeight)
        let left = (frameWidth - cropWidth) / 2
        let top = (frameHeight - cropHeight) / 2

        var parts: [VipsImageRef] = []
        for frame in 0..<scaled.frames {
            var raw: UnsafeMutablePointer<VipsImage>?
            guard myelin_vips_extract_area(scaled.pointer, &raw, Int32(left), Int32(frame * frameHeight + top),
                                           Int32(cropWidth), Int32(cropHeight)) == 0, let raw else {
                VipsErrorText.takeAndLog(context: "crop frame")
                throw .corrupt
            }
            parts.append(VipsImageRef(raw))
        }
        var pointers: [UnsafeMutablePointer<VipsImage>?] = parts.map { $0.pointer }
        var joined: UnsafeMutablePointer<VipsImage>?
        // The frames must stay referenced until arrayjoin has taken its own references to them.
        let status = withExtendedLifetime(parts) { myelin_vips_stack_frames(&pointers, &joined, Int32(pointers.count)) }
        guard status == 0, let joined else {
            VipsErrorText.takeAndLog(context: "join frames")
            throw .corrupt
        }
        let result = VipsImageRef(joined)
        // Metadata (delay, loop) comes from the first frame's pipeline; only the frame height changed.
        vips_image_set_int(result.pointer, "page-height", Int32(cropHeight))
        return result
    }
}
