/// The `preset` of `POST /createRoom`, and the state each one implies (the spec's preset table,
/// with the power level tweaks Synapse makes).
public enum RoomCreationPreset: String, Sendable, Hashable, CaseIterable {
    case privateChat = "private_chat"
    case trustedPrivateChat = "trusted_private_chat"
    case publicChat = "public_chat"

    public var joinRule: String {
        self == .publicChat ? "public" : "invite"
    }

    public var historyVisibility: HistoryVisibility { .shared }

    /// `can_join` for the private presets. For `public_chat` the table says `forbidden`, which is
    /// also what a room without `m.room.guest_access` means, so no event is sent (as Synapse).
    public var guestCanJoin: Bool {
        self != .publicChat
    }

    /// `trusted_private_chat`: invitees get the creator's power (level 100 before room version 12,
    /// room creators from 12).
    public var inviteesShareCreatorPower: Bool {
        self == .trustedPrivateChat
    }

    /// Changes to the default power levels: in the private presets anyone may invite (Synapse); in
    /// `public_chat` a call invite needs moderator power, so strangers cannot ring everyone.
    var powerLevelChanges: (topLevel: JSONObject, events: JSONObject) {
        switch self {
        case .privateChat, .trustedPrivateChat: return (["invite": 0], [:])
        case .publicChat: return ([:], ["m.call.invite": 50])
        }
    }
}
