/// The numbers the spec gives each authorization rule in a room version, for rejection reasons.
/// Rules were inserted and removed over time (aliases until v5, the room ID rule in v12, ...), so
/// the same check has different numbers in different versions.
struct AuthRuleNumbers {
    /// Top-level rules.
    let create = 1
    /// v12 only: the room ID is the create event's ID.
    let roomID = 2
    let authEvents: Int
    let federate: Int
    /// v1-v5 only.
    let aliases = 4
    let member: Int
    var senderJoined: Int { member + 1 }
    var thirdPartyInvite: Int { member + 2 }
    var requiredLevel: Int { member + 3 }
    var stateKeyUser: Int { member + 4 }
    var powerLevels: Int { member + 5 }
    /// v1, v2 only.
    var redaction: Int { member + 6 }

    /// Sub-rules of the member rule (v8 inserted the `join_authorised_via_users_server` rule as .2).
    let memberJoin: Int
    var memberInvite: Int { memberJoin + 1 }
    var memberLeave: Int { memberJoin + 2 }
    var memberBan: Int { memberJoin + 3 }
    /// v7+.
    var memberKnock: Int { memberJoin + 4 }
    let memberUnknown: Int

    /// Sub-rules of the join rule (v8 inserted `restricted` as .5).
    let joinPublic: Int

    /// Sub-rules of the power levels rule (v10 inserted two type checks, v12 the creators check).
    let powerLevelsUsers: Int
    /// v12 only.
    var powerLevelsCreators: Int { powerLevelsUsers + 1 }
    let powerLevelsNoPrevious: Int
    var powerLevelsTopLevel: Int { powerLevelsNoPrevious + 1 }
    var powerLevelsMapRemoved: Int { powerLevelsNoPrevious + 2 }
    var powerLevelsMapAdded: Int { powerLevelsNoPrevious + 3 }
    var powerLevelsUsersRemoved: Int { powerLevelsNoPrevious + 4 }
    var powerLevelsUsersAdded: Int { powerLevelsNoPrevious + 5 }

    init(_ version: RoomVersion) {
        let v12 = version.roomIDFromCreateEvent
        authEvents = v12 ? 3 : 2
        federate = authEvents + 1
        member = version.specialCaseAliasesAuth ? 5 : federate + 1
        memberJoin = version.restrictedJoins ? 3 : 2
        memberUnknown = memberJoin + (version.knocking ? 5 : 4)
        joinPublic = version.restrictedJoins ? 6 : 5
        powerLevelsUsers = version.integerPowerLevels ? 3 : 1
        powerLevelsNoPrevious = powerLevelsUsers + (version.privilegedCreators ? 2 : 1)
    }

    /// "rule 4.3.2: because" from the parts of a rule number and the reason.
    func reject(_ parts: Int..., because reason: String) -> AuthDecision {
        .reject("rule " + parts.map(String.init).joined(separator: ".") + ": " + reason)
    }
}
