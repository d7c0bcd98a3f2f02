// Typed access to a request header's fields; a missing or mistyped field is a bad request that is
// answered, not a reason for the worker to exit.
struct RequestFields {
    let fields: [String: FlatJSONValue]

    init(_ fields: [String: FlatJSONValue]) { self.fields = fields }

    func string(_ key: String) throws(JobFailure) -> String {
        guard case .string(let value)? = fields[key] else { throw .badRequest(key) }
        return value
    }

    func int(_ key: String) throws(JobFailure) -> Int {
        guard case .int(let value)? = fields[key], let narrowed = Int(exactly: value) else { throw .badRequest(key) }
        return narrowed
    }

    func bool(_ key: String, default fallback: Bool) throws(JobFailure) -> Bool {
        switch fields[key] {
        case nil, .null?: return fallback
        case .bool(let value)?: return value
        default: throw .badRequest(key)
        }
    }

    func thumbnailJob() throws(JobFailure) -> ThumbnailJob {
        guard let method = ThumbnailJob.Method(rawValue: try string("method")) else { throw .badRequest("method") }
        return ThumbnailJob(path: try string("path"), width: try int("width"), height: try int("height"),
                            method: method, animated: try bool("animated", default: false),
                            maxInputPixels: try int("max_input_pixels"))
    }
}
