import MatrixCore

/// What `GET /_matrix/client/versions` advertises. README's "Client-server spec versions" says why each
/// version is or is not claimed; raise `specVersions` only when a version's required features are served.
enum ClientVersions {
    /// The spec versions whose client-server surface this server implements: r0.5.0 to r0.6.1 and v1.1 to
    /// v1.19, the newest released version in `../shared/spec`.
    static let specVersions = ["r0.5.0", "r0.6.0", "r0.6.1"] + (1...19).map { "v1.\($0)" }

    /// Unstable features that are really served (Synapse's names), so clients that look for them, rather
    /// than for a spec version, use them.
    static let unstableFeatures: [String: Bool] = [
        // Simplified sliding sync (MSC4186) at /_matrix/client/unstable/org.matrix.simplified_msc3575/sync.
        "org.matrix.simplified_msc3575": true,
        // Authenticated media (MSC3916) under /_matrix/client/v1/media.
        "org.matrix.msc3916.stable": true,
        // GET /rooms/{roomId}/aliases, also under unstable/org.matrix.msc2432.
        "org.matrix.msc2432": true,
        // Cross-signing (MSC1756).
        "org.matrix.e2e_cross_signing": true,
        // Private read receipts (MSC2285).
        "org.matrix.msc2285.stable": true,
        // /publicRooms filtered by room_types (MSC3827).
        "org.matrix.msc3827.stable": true,
        // Threads (MSC3440) and threaded read receipts (MSC3771).
        "org.matrix.msc3440.stable": true,
        "org.matrix.msc3771": true,
        // Logging in another device with a token (MSC3882), also at unstable/org.matrix.msc3882/login/token.
        "org.matrix.msc3882": true,
        // Relations followed recursively (MSC3981).
        "org.matrix.msc3981": true,
        // Custom profile fields on the stable endpoints (MSC4133).
        "uk.tcpip.msc4133.stable": true,
        // GET /v1/mutual_rooms (MSC2666).
        "uk.half-shot.msc2666.query_mutual_rooms.stable": true,
        // m.room.redaction through PUT /send (MSC4169).
        "com.beeper.msc4169": true,
    ]

    static var json: JSONObject {
        [
            "versions": .array(specVersions.map(JSONValue.string)),
            "unstable_features": .object(JSONObject(uniqueKeysWithValues: unstableFeatures.sorted { $0.key < $1.key }
                .map { ($0.key, JSONValue.bool($0.value)) })),
        ]
    }
}
