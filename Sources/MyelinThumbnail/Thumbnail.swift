/// An encoded thumbnail as produced by the worker.
public struct Thumbnail: Sendable, Hashable {
    /// "image/jpeg", "image/png", "image/webp" or "image/gif".
    public var contentType: String
    public var width: Int
    /// Height of one frame.
    public var height: Int
    /// 1 for a still image.
    public var frames: Int
    public var bytes: [UInt8]

    public init(contentType: String, width: Int, height: Int, frames: Int, bytes: [UInt8]) {
        self.contentType = contentType
        self.width = width
        self.height = height
        self.frames = frames
        self.bytes = bytes
    }
}
