import CVips
import Glibc

// The long-lived worker: read a request frame from stdin, answer it on stdout, repeat until the
// server closes stdin. Requests are handled strictly in order, one at a time.
enum WorkerLoop {
    static func run() -> Int32 {
        while true {
            let header: [UInt8]
            do throws(WorkerProtocol.StreamError) {
                switch try WorkerProtocol.readFrame(fd: 0) {
                case .endOfStream: return 0
                case .frame(let bytes): header = bytes
                }
            } catch {
                StandardError.write("myelin-thumbnailer: \(error.reason)\n")
                return 2
            }
            let fields: [String: FlatJSONValue]
            do throws(FlatJSONError) {
                fields = try FlatJSON.parse(header)
            } catch {
                // Without a parsable header there is no id to answer to: the stream is out of sync.
                StandardError.write("myelin-thumbnailer: bad header: \(error.reason)\n")
                return 2
            }
            do throws(WorkerProtocol.StreamError) {
                // Scoped so the encoded image is freed before the trim below.
                let (response, payload) = answer(fields)
                try WorkerProtocol.writeFrame(fd: 1, header: FlatJSON.encode(response), payload: payload?.bytes)
            } catch {
                StandardError.write("myelin-thumbnailer: \(error.reason)\n")
                return 2
            }
            // glibc keeps freed decode buffers in its arenas (libvips's worker thread has its own), so
            // one large image would leave the idle worker ~15 MB bigger; hand that memory back.
            myelin_malloc_trim()
        }
    }

    /// Builds the response header (and payload) for one request; never throws, every failure is a response.
    static func answer(_ fields: [String: FlatJSONValue]) -> ([(String, FlatJSONValue)], VipsBuffer?) {
        var id = FlatJSONValue.null
        if let value = fields["id"] { id = value }
        func failure(_ failure: JobFailure) -> ([(String, FlatJSONValue)], VipsBuffer?) {
            ([("id", id), ("ok", .bool(false)), ("error", .string(failure.reason)), ("length", .int(0))], nil)
        }
        do throws(JobFailure) {
            switch fields["op"] {
            case .string("thumbnail"):
                let job = try RequestFields(fields).thumbnailJob()
                let output = try job.run()
                return ([("id", id), ("ok", .bool(true)), ("content_type", .string(output.contentType)),
                         ("width", .int(Int64(output.width))), ("height", .int(Int64(output.height))),
                         ("frames", .int(Int64(output.frames))), ("length", .int(Int64(output.data.bytes.count)))],
                        output.data)
            case .string("info"):
                let source = try SourceImage.open(path: try RequestFields(fields).string("path"))
                return ([("id", id), ("ok", .bool(true)), ("format", .string(source.format.rawValue)),
                         ("width", .int(Int64(source.width))), ("height", .int(Int64(source.height))),
                         ("frames", .int(Int64(source.frames))), ("length", .int(0))], nil)
            case .string("stats"):
                let usage = VipsUsage.current()
                return ([("id", id), ("ok", .bool(true)), ("objects", .int(Int64(usage.objects))),
                         ("tracked_bytes", .int(Int64(usage.trackedBytes))),
                         ("tracked_allocs", .int(Int64(usage.trackedAllocs))),
                         ("open_files", .int(Int64(usage.openFiles))), ("length", .int(0))], nil)
            default:
                throw JobFailure.badRequest("op")
            }
        } catch {
            return failure(error)
        }
    }
}
