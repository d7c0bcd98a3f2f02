/// The thumbnail methods of the spec.
public enum ThumbnailMethod: String, Sendable, CaseIterable {
    /// Close to the requested size, in the requested aspect ratio.
    case crop
    /// The original aspect ratio, width or height not smaller than requested.
    case scale
}

/// Makes thumbnails (the libvips worker's client satisfies this; the server never links libvips).
/// `path` is a stored content file; the answer is the thumbnail's type and bytes. Throwing means no
/// thumbnail can be made for this content.
public protocol Thumbnailing: Sendable {
    func thumbnail(path: String, width: Int, height: Int, method: ThumbnailMethod, animated: Bool) async throws
        -> (contentType: String, bytes: [UInt8])
    /// Stops whatever the thumbnailer runs (its worker process) when the server stops.
    func shutdown() async
}

extension Thumbnailing {
    public func shutdown() async {}
}

/// A thumbnail request brought to one of the sizes the spec suggests servers produce, so the cache holds a
/// handful of thumbnails per image however clients vary their requests.
public struct ThumbnailSpec: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let method: ThumbnailMethod

    /// The spec's recommended sizes, smallest first.
    public static let standard: [ThumbnailSpec] = [
        .init(width: 32, height: 32, method: .crop), .init(width: 96, height: 96, method: .crop),
        .init(width: 320, height: 240, method: .scale), .init(width: 640, height: 480, method: .scale),
        .init(width: 800, height: 600, method: .scale),
    ]

    public init(width: Int, height: Int, method: ThumbnailMethod) {
        self.width = width
        self.height = height
        self.method = method
    }

    /// The smallest standard size of the same method that is at least as large as requested (a thumbnail
    /// must never be smaller than asked); a request larger than all of them is kept as it is.
    public static func snapped(width: Int, height: Int, method: ThumbnailMethod) -> ThumbnailSpec {
        standard.first { $0.method == method && $0.width >= width && $0.height >= height }
            ?? ThumbnailSpec(width: width, height: height, method: method)
    }
}
