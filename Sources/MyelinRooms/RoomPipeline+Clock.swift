/// The pipeline's clock, for services that answer beside it (the federation read endpoints stamp
/// their responses with it), so tests that fix the pipeline's time fix theirs too.
extension RoomPipeline {
    /// Milliseconds since the Unix epoch.
    public var currentTimeMs: Int64 { nowMs() }
}
