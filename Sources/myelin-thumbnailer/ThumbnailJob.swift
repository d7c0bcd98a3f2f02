import CVips

// One thumbnail request, as Synapse does it: crop gives exactly width×height from the centre, scale
// fits inside without upscaling, EXIF orientation is applied (vips_thumbnail autorotates), the output
// keeps the input's format except that a GIF becomes a PNG unless the caller asked for animation.
struct ThumbnailJob {
    enum Method: String { case crop, scale }

    let path: String
    let width: Int
    let height: Int
    let method: Method
    let animated: Bool
    let maxInputPixels: Int

    /// Thumbnails are small; a bound here keeps a bad request from asking for a huge upscale.
    static let maxOutputSide = 4096

    struct Output {
        let contentType: String
        let width: Int
        let height: Int
        let frames: Int
        let data: VipsBuffer
    }

    func run() throws(JobFailure) -> Output {
        guard (1...Self.maxOutputSide).contains(width), (1...Self.maxOutputSide).contains(height) else {
            throw .badRequest("width/height")
        }
        guard maxInputPixels > 0 else { throw .badRequest("max_input_pixels") }
        let source = try SourceImage.open(path: path)
        guard source.width * source.height <= maxInputPixels else {
            throw .tooLarge(width: source.width, height: source.height)
        }
        // All frames are decoded for an animated thumbnail, so the pixel budget covers all of them;
        // an animation over budget still gets a still thumbnail of its first frame.
        let keepFrames = animated && source.format.canAnimate && source.frames > 1
            && source.width * source.height * source.frames <= maxInputPixels

        // n=-1 loads every frame. SourceImage.open has refused paths ending in "]", so a bracketed
        // suffix added here is the only option block libvips will see.
        let loadPath = keepFrames ? path + "[n=-1]" : path
        let image: VipsImageRef
        if keepFrames && method == .crop {
            image = try AnimatedCrop(width: width, height: height).run(loadPath: loadPath, source: source)
        } else {
            image = try Self.thumbnail(loadPath, width: width, height: height, crop: method == .crop,
                                       upscale: method == .crop)
        }

        // The pipeline is lazy: decoding happens inside the saver, so a decode error surfaces here.
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let status: Int32
        let contentType: String
        switch source.format {
        case .jpeg:
            status = myelin_vips_jpegsave_buffer(image.pointer, &buffer, &length, 80)
            contentType = "image/jpeg"
        case .png:
            status = myelin_vips_pngsave_buffer(image.pointer, &buffer, &length)
            contentType = "image/png"
        case .webp:
            status = myelin_vips_webpsave_buffer(image.pointer, &buffer, &length, 80)
            contentType = "image/webp"
        case .gif where keepFrames:
            status = myelin_vips_gifsave_buffer(image.pointer, &buffer, &length)
            contentType = "image/gif"
        case .gif:
            status = myelin_vips_pngsave_buffer(image.pointer, &buffer, &length)
            contentType = "image/png"
        }
        guard status == 0, let buffer else {
            VipsErrorText.takeAndLog(context: "encode")
            if let buffer { g_free(buffer) }
            throw .corrupt
        }
        let data = VipsBuffer(base: buffer, count: length)
        return Output(contentType: contentType, width: image.width, height: image.pageHeight,
                      frames: image.frames, data: data)
    }

    /// vips_thumbnail with the error logged; the returned pipeline is lazy (decoding happens on save).
    static func thumbnail(_ loadPath: String, width: Int, height: Int, crop: Bool, upscale: Bool)
        throws(JobFailure) -> VipsImageRef {
        var raw: UnsafeMutablePointer<VipsImage>?
        guard myelin_vips_thumbnail(loadPath, &raw, Int32(width), Int32(height), crop ? 1 : 0, upscale ? 1 : 0) == 0,
              let raw else {
            VipsErrorText.takeAndLog(context: "thumbnail")
            throw .corrupt
        }
        return VipsImageRef(raw)
    }
}
