/// What the worker's `info` request reports about a stored image, read from its header only.
public struct ImageInfo: Sendable, Hashable {
    /// "jpeg", "png", "gif" or "webp".
    public var format: String
    public var width: Int
    /// Height of one frame.
    public var height: Int
    public var frames: Int

    public init(format: String, width: Int, height: Int, frames: Int) {
        self.format = format
        self.width = width
        self.height = height
        self.frames = frames
    }
}
