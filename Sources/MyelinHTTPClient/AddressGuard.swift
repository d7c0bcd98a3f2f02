/// Decides which resolved addresses outbound requests may reach. A federation peer names its own
/// server, so without this a remote user could make the homeserver probe the LAN it sits on (SSRF).
struct AddressGuard: Sendable {
    private let allowEverything: Bool
    private let allowed: [IPNetwork]

    init(allowPrivateAddresses: Bool, allowedNetworks: [String]) throws(HTTPClientError) {
        allowEverything = allowPrivateAddresses
        var allowed: [IPNetwork] = []
        for cidr in allowedNetworks { allowed.append(try IPNetwork(cidr)) }
        self.allowed = allowed
    }

    func permits(_ address: IPAddress) -> Bool {
        if allowEverything || !Self.isNonPublic(address) { return true }
        if allowed.contains(where: { $0.contains(address) }) { return true }
        if let inner = address.embeddedIPv4 { return allowed.contains { $0.contains(inner) } }
        return false
    }

    /// Private, loopback, link-local, unique-local, multicast, reserved and unspecified ranges.
    static func isNonPublic(_ address: IPAddress) -> Bool {
        if let inner = address.embeddedIPv4 { return isNonPublic(inner) }
        let ranges = address.isIPv4 ? refusedIPv4 : refusedIPv6
        return ranges.contains { $0.contains(address) }
    }

    // The literals are valid, so the force-try cannot fail (checked by the tests).
    private static let refusedIPv4 = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ].map { try! IPNetwork($0) }

    private static let refusedIPv6 = [
        "::1/128", "::/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ].map { try! IPNetwork($0) }
}
