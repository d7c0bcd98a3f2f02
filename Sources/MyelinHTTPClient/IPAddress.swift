import NIOCore

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a dotted-quad IPv4 or an IPv6 literal (inet_pton rules, through NIO); nil for anything else.
    init?(_ text: String) {
        // A zone ("%eth0") names a local interface: never a federation destination.
        guard !text.contains("%"), let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        self.init(address)
    }

    /// The address of an IPv4 or IPv6 socket address; nil for a Unix socket.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4): bytes = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: return nil
        }
    }

    var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address carried inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address,
    /// which reach that IPv4 address and so must pass the IPv4 rules.
    var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        let nat64: [UInt8] = [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        let prefix = bytes.prefix(12)
        guard prefix.elementsEqual(mapped) || prefix.elementsEqual(nat64) else { return nil }
        return IPAddress(bytes: Array(bytes.suffix(4)))
    }

    func socketAddress(port: Int) -> SocketAddress? {
        try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: port)
    }

    var description: String {
        socketAddress(port: 0)?.ipAddress ?? bytes.map(String.init).joined(separator: ".")
    }
}

/// A CIDR block, such as 10.0.0.0/8 or fe80::/10.
struct IPNetwork: Sendable, CustomStringConvertible {
    let base: IPAddress
    let prefixLength: Int

    /// "address/prefix", or a bare address for exactly that address.
    init(_ cidr: String) throws(HTTPClientError) {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let base = IPAddress(String(parts[0])) else {
            throw .invalidConfiguration("\(cidr) is not an IP address or CIDR block")
        }
        let maximum = base.bytes.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maximum).contains(parsed) else {
                throw .invalidConfiguration("\(cidr): the prefix length must be 0 to \(maximum)")
            }
            length = parsed
        }
        self.base = base
        self.prefixLength = length
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (ours, theirs) in zip(base.bytes, address.bytes) where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if ours & mask != theirs & mask { return false }
            remaining -= bits
        }
        return true
    }

    var description: String { "\(base)/\(prefixLength)" }
}
