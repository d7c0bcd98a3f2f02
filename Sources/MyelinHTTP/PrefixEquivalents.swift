/// Versioned prefixes that name the same endpoints, as Synapse serves them: a route is declared once
/// under its spec prefix and found under the others at lookup time.
///
/// - `/_matrix/client/r0/…` (spec r0.6.1; Quaternion, weechat-matrix and other older clients) is v3.
/// - `/_matrix/client/unstable/…` is v3, else v1: Synapse's `client_patterns` serves every endpoint under
///   `unstable` too, and clients that predate an endpoint's stable version still call it there
///   (`unstable/keys/device_signing/upload`, `unstable/rooms/{roomId}/relations/…`, `unstable/room_keys/…`).
///   Named MSC prefixes (`unstable/org.matrix.msc2432/…`) are not covered: routes list those as aliases.
/// - `/_matrix/media/r0|v1|v3/…` are one media repository: Synapse mounts it under all three, so
///   `/_matrix/media/v3/create` answers as `v1/create` and the legacy `v1/download` as `v3/download`.
enum PrefixEquivalents {
    /// The paths to try, in order, after `path` itself found nothing.
    static func alternatives(of path: [String]) -> [[String]] {
        guard path.count > 2, path[0] == "_matrix" else { return [] }
        let versions: [String]
        switch (path[1], path[2]) {
        case ("client", "r0"): versions = ["v3"]
        case ("client", "unstable"): versions = ["v3", "v1"]
        case ("media", "r0"): versions = ["v3", "v1"]
        case ("media", "v1"): versions = ["v3"]
        case ("media", "v3"): versions = ["v1"]
        default: return []
        }
        return versions.map { version in
            var alternative = path
            alternative[2] = version
            return alternative
        }
    }
}
