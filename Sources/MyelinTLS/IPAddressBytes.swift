import Glibc

/// IP literals as the bytes certificates carry in iPAddress subjectAltNames.
public enum IPAddressBytes {
    public static let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]

    public static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    public static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
