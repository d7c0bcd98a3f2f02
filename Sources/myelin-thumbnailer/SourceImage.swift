import CVips
import Glibc

// The header-only view of an input file: its sniffed format and dimensions, read before any pixel
// is decoded so oversized inputs can be refused cheaply.
struct SourceImage {
    let format: ImageFormat
    let width: Int
    /// Height of one frame.
    let height: Int
    let frames: Int

    static func open(path: String) throws(JobFailure) -> SourceImage {
        // libvips treats a trailing "[...]" in a file name as load options; server paths never end
        // that way, so refusing them closes the door on option injection through a path.
        guard !path.isEmpty, !path.hasSuffix("]") else { throw .badRequest("path") }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .fileNotFound }
        guard info.st_size > 0 else { throw .emptyFile }

        guard let loader = vips_foreign_find_load(path) else {
            VipsErrorText.takeAndLog(context: "sniff")
            throw .unsupportedFormat
        }
        guard let format = ImageFormat(loaderName: String(cString: loader)) else { throw .unsupportedFormat }
        guard let header = myelin_vips_open_header(path) else {
            VipsErrorText.takeAndLog(context: "header")
            throw .corrupt
        }
        let image = VipsImageRef(header)
        return SourceImage(format: format, width: image.width, height: image.pageHeight, frames: max(1, image.pagesInFile))
    }
}
