import Testing

/// The suites that run Synapse from PyPI, one at a time: each Synapse start takes seconds of both cores,
/// and three starting beside the rest of the suite overran the start timeout.
@Suite(.serialized, .enabled(if: SynapsePeer.isAvailable)) enum SynapseSuites {}
