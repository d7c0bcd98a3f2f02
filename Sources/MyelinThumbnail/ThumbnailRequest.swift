/// One thumbnail to make from a media file already stored on disk (the worker reads it itself, so
/// the image bytes never cross the pipe inbound).
public struct ThumbnailRequest: Sendable, Hashable {
    public var path: String
    public var width: Int
    public var height: Int
    public var method: ThumbnailMethod
    /// Keep the frames of an animated GIF/WebP. Otherwise a GIF becomes a still PNG.
    public var animated: Bool
    /// Inputs with more pixels than this (per frame; all frames when animated) are refused before
    /// decoding. Synapse's `max_image_pixels` default is 32 M.
    public var maxInputPixels: Int

    public init(path: String, width: Int, height: Int, method: ThumbnailMethod, animated: Bool = false,
                maxInputPixels: Int = 32_000_000) {
        self.path = path
        self.width = width
        self.height = height
        self.method = method
        self.animated = animated
        self.maxInputPixels = maxInputPixels
    }
}
