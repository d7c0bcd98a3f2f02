/// The server part of a sigil-prefixed Matrix identifier (`@user:domain`, `!room:domain`,
/// `$event:domain`): everything after the first colon, as the auth rules compare them.
/// Nil when there is no colon (v12 room IDs, v3+ event IDs).
func matrixIDDomain(_ id: String) -> Substring? {
    guard let colon = id.firstIndex(of: ":") else { return nil }
    return id[id.index(after: colon)...]
}
