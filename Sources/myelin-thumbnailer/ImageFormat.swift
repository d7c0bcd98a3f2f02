// The formats the worker accepts. Anything libvips could load beyond these (TIFF, PDF, SVG, HEIF,
// ImageMagick's zoo) is refused: each extra decoder is more untrusted-input attack surface, and
// Matrix clients only send these four for thumbnailable media.
enum ImageFormat: String {
    case jpeg, png, gif, webp

    /// Maps the libvips loader class chosen by content sniffing (vips_foreign_find_load looks at the
    /// magic bytes, not the file name), e.g. "VipsForeignLoadJpegFile" or "VipsForeignLoadNsgifFile".
    init?(loaderName: String) {
        switch loaderName {
        case "VipsForeignLoadJpegFile": self = .jpeg
        case "VipsForeignLoadPngFile", "VipsForeignLoadPng": self = .png
        case "VipsForeignLoadNsgifFile", "VipsForeignLoadGifFile": self = .gif
        case "VipsForeignLoadWebpFile": self = .webp
        default: return nil
        }
    }

    /// Formats that can carry several frames and that the worker keeps animated on request.
    var canAnimate: Bool { self == .gif || self == .webp }
}
