import CVips

// The thumbnailer runs libvips outside the server process (DESIGN.md: its decoders touch untrusted
// bytes and it maps ~120 shared libraries). The media issue gives it its request protocol; for now it
// initialises libvips with the low-memory settings and reports the library version, which the
// packaging checks use to prove the helper links and starts.
guard myelin_vips_init(CommandLine.arguments[0]) == 0 else {
    FileHandle.standardErrorWrite("myelin-thumbnailer: libvips failed to initialise\n")
    exit(1)
}
vips_concurrency_set(1)
vips_cache_set_max(0)
let args = CommandLine.arguments.dropFirst()
if args.first == "version" || args.first == "--version" {
    print("libvips \(vips_version(0)).\(vips_version(1)).\(vips_version(2))")
    vips_shutdown()
    exit(0)
}
FileHandle.standardErrorWrite("usage: myelin-thumbnailer version\n")
vips_shutdown()
exit(64)

enum FileHandle {
    static func standardErrorWrite(_ text: String) {
        var text = text
        text.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }
}
