@testable import MyelinHTTPClient
import Testing

/// The address guard's ranges and the URL parser, without any network.
struct AddressRulesTests {
    @Test(arguments: [
        "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.0.9", "169.254.1.1",
        "172.16.0.1", "172.31.255.255", "192.168.1.1", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255",
        "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
    ])
    func refusesNonPublicAddresses(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressGuard.isNonPublic(address))
        let guarded = try AddressGuard(allowPrivateAddresses: false, allowedNetworks: [])
        #expect(!guarded.permits(address))
    }

    @Test(arguments: [
        "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "192.167.1.1",
        "169.253.0.1", "223.255.255.255", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8", "fbff::1", "fec0::1",
    ])
    func permitsPublicAddresses(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(!AddressGuard.isNonPublic(address))
    }

    @Test func allowlistExemptsOnlyItsNetworks() throws {
        let guarded = try AddressGuard(allowPrivateAddresses: false,
                                       allowedNetworks: ["10.20.0.0/16", "127.0.0.1", "fd00::/8"])
        #expect(guarded.permits(try #require(IPAddress("10.20.30.40"))))
        #expect(!guarded.permits(try #require(IPAddress("10.21.0.1"))))
        #expect(guarded.permits(try #require(IPAddress("127.0.0.1"))))
        #expect(!guarded.permits(try #require(IPAddress("127.0.0.2"))))
        #expect(guarded.permits(try #require(IPAddress("::ffff:127.0.0.1"))))
        #expect(guarded.permits(try #require(IPAddress("fd01::1"))))
        #expect(!guarded.permits(try #require(IPAddress("fc00::1"))))
        #expect(throws: HTTPClientError.self) { try AddressGuard(allowPrivateAddresses: false, allowedNetworks: ["10/8"]) }
        #expect(throws: HTTPClientError.self) {
            try AddressGuard(allowPrivateAddresses: false, allowedNetworks: ["10.0.0.0/33"])
        }
    }

    @Test func parsesURLs() throws {
        let plain = try RequestTarget("http://Example.ORG./a/b?c=d#frag")
        #expect(plain.scheme == .http && plain.host == "example.org" && plain.port == 80)
        #expect(plain.pathAndQuery == "/a/b?c=d")
        #expect(plain.hostHeader == "example.org")
        let v6 = try RequestTarget("https://[2001:db8::1]:8448")
        #expect(v6.ipAddress?.bytes.count == 16 && v6.port == 8448 && v6.pathAndQuery == "/")
        #expect(v6.hostHeader == "[2001:db8::1]:8448")
        let v4 = try RequestTarget("https://192.0.2.1?x=1")
        #expect(v4.ipAddress?.bytes == [192, 0, 2, 1] && v4.pathAndQuery == "/?x=1")
        #expect(v4.resolving(location: "/p") == "https://192.0.2.1/p")
        #expect(plain.resolving(location: "e") == "http://example.org/a/e")
        #expect(plain.resolving(location: "//other.org/x") == "http://other.org/x")
    }
}
