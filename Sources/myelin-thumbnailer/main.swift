import CVips
import Glibc

// The thumbnailer runs libvips outside the server process (DESIGN.md: its decoders touch untrusted
// bytes and it maps ~120 shared libraries). With no arguments it serves the framed protocol in
// WorkerProtocol.swift on stdin/stdout; the subcommands are for packaging checks, tests and benchmarks.
guard myelin_vips_init(CommandLine.arguments[0]) == 0 else {
    StandardError.write("myelin-thumbnailer: libvips failed to initialise\n")
    exit(1)
}
// Low memory: one worker thread, no operation cache (every request is a different file, so the
// cache would only hold memory and open files), and loaders marked untrusted by libvips refused.
vips_concurrency_set(1)
vips_cache_set_max(0)
vips_cache_set_max_mem(0)
vips_cache_set_max_files(0)
vips_block_untrusted_set(1)
// A server that has gone away must not kill us with SIGPIPE mid-write; the write error ends the loop.
signal(SIGPIPE, SIG_IGN)

let args = Array(CommandLine.arguments.dropFirst())
let status: Int32
switch args.first {
case nil, "serve":
    status = WorkerLoop.run()
case "version", "--version":
    print("libvips \(vips_version(0)).\(vips_version(1)).\(vips_version(2))")
    status = 0
case "synth":
    status = SynthImage.run(Array(args.dropFirst()))
case "bench":
    status = Benchmark.run(Array(args.dropFirst()))
default:
    StandardError.write("usage: myelin-thumbnailer [serve | version | synth ... | bench ...]\n")
    status = 64
}
vips_shutdown()
exit(status)
