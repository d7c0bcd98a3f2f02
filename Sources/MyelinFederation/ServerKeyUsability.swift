import MatrixCore
import MyelinStorage

/// Whether a known key may check a signature stamped at a given time.
enum ServerKeyUsability: Equatable {
    case usable
    /// An old key that expired at or before that time: asking again will not change it.
    case expired
    /// A current key whose `valid_until_ts` lies before that time: a fresher response may extend it.
    case tooShortLived
}

extension StoredServerKey {
    func usability(at validAtMs: Int64) -> ServerKeyUsability {
        switch validity {
        case .current(let validUntil): return validAtMs <= validUntil ? .usable : .tooShortLived
        case .old(let expired): return validAtMs < expired ? .usable : .expired
        }
    }

    /// Nil only for bytes that are not an ed25519 key, which the store never holds.
    var verifyKey: VerifyKey? { try? VerifyKey(keyId: keyId, publicKey: publicKey) }
}
