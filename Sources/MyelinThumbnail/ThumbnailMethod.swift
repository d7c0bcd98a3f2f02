/// How a thumbnail is fitted to the requested size (the Matrix media API's `method`).
public enum ThumbnailMethod: String, Sendable, Hashable {
    /// Exactly width×height: scale to cover, then cut out the centre.
    case crop
    /// Fit inside width×height keeping the aspect ratio; never upscales.
    case scale
}
