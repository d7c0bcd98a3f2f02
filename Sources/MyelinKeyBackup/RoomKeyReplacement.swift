import MyelinStorage

/// The spec's rule for a session the backup already holds: keep the existing key unless the new one is
/// better. A verified key beats an unverified one; with equal `is_verified`, the lower
/// `first_message_index` wins; with both equal, the lower `forwarded_count`. A tie keeps the existing key.
public enum RoomKeyReplacement {
    public static func shouldReplace(existing: BackedUpRoomKey, with new: BackedUpRoomKey) -> Bool {
        if existing.isVerified != new.isVerified { return new.isVerified }
        if existing.firstMessageIndex != new.firstMessageIndex {
            return new.firstMessageIndex < existing.firstMessageIndex
        }
        return new.forwardedCount < existing.forwardedCount
    }
}
