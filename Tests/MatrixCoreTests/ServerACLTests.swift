import MatrixCore
import Testing

@Suite struct ServerACLTests {
    @Test func specOrder() {
        let acl = ServerACL(allow: ["*"], deny: ["evil.com", "*.evil.com"], allowIPLiterals: false)
        #expect(acl.allows(serverName: "example.org"))
        #expect(acl.allows(serverName: "example.org:8448"))
        #expect(!acl.allows(serverName: "evil.com"))
        #expect(!acl.allows(serverName: "evil.com:8448"))
        #expect(!acl.allows(serverName: "evil.com:1234"))
        #expect(!acl.allows(serverName: "sub.evil.com"))
        #expect(acl.allows(serverName: "notevil.com"))
        #expect(!acl.allows(serverName: "1.2.3.4"))
        #expect(!acl.allows(serverName: "1.2.3.4:8448"))
        #expect(!acl.allows(serverName: "[::1]"))
        #expect(!acl.allows(serverName: "[2001:db8::1]:8448"))
    }

    @Test func denyWinsAndEmptyAllowDeniesAll() {
        #expect(!ServerACL(allow: ["example.org"], deny: ["example.org"]).allows(serverName: "example.org"))
        #expect(!ServerACL(allow: []).allows(serverName: "example.org"))
        #expect(!ServerACL(content: [:]).allows(serverName: "example.org"))
        #expect(ServerACL(allow: ["example.org"]).allows(serverName: "example.org"))
        #expect(!ServerACL(allow: ["example.org"]).allows(serverName: "other.org"))
    }

    @Test func globsAndCase() {
        let acl = ServerACL(allow: ["matrix.?xample.org", "*.Example.NET"])
        #expect(acl.allows(serverName: "matrix.example.org"))
        #expect(acl.allows(serverName: "MATRIX.Xxample.org"))
        #expect(!acl.allows(serverName: "matrix.eexample.org"))
        #expect(acl.allows(serverName: "a.b.example.net:443"))
        #expect(!acl.allows(serverName: "example.net"))
    }

    @Test func ipLiteralsAllowedByDefault() {
        let acl = ServerACL(allow: ["*"])
        #expect(acl.allows(serverName: "1.2.3.4"))
        #expect(acl.allows(serverName: "[::1]:8448"))
        // An IPv6 literal is matched with its brackets.
        #expect(ServerACL(allow: ["[::1]"]).allows(serverName: "[::1]:8448"))
        #expect(!ServerACL(allow: ["*"], deny: ["[*"]).allows(serverName: "[::1]"))
    }

    @Test func ipLiteralDetection() {
        #expect(ServerACL.isIPLiteral("1.2.3.4"))
        #expect(ServerACL.isIPLiteral("255.255.255.255"))
        #expect(ServerACL.isIPLiteral("[::1]"))
        #expect(!ServerACL.isIPLiteral("256.1.1.1"))
        #expect(!ServerACL.isIPLiteral("1.2.3"))
        #expect(!ServerACL.isIPLiteral("1.2.3.4.nip.io"))
        #expect(!ServerACL.isIPLiteral("1.2.3.a"))
        #expect(!ServerACL.isIPLiteral("example.org"))
        #expect(ServerACL.hostWithoutPort("[::1]:8448") == "[::1]")
        #expect(ServerACL.hostWithoutPort("[::1]") == "[::1]")
        #expect(ServerACL.hostWithoutPort("1.2.3.4:80") == "1.2.3.4")
        #expect(ServerACL.hostWithoutPort("example.org") == "example.org")
    }

    @Test func lenientReading() {
        let acl = ServerACL(content: ["allow": ["*", 5, nil], "deny": "evil.com", "allow_ip_literals": "no"])
        #expect(acl.allow == ["*"])
        #expect(acl.deny == [])
        #expect(acl.allowIPLiterals)
        #expect(!ServerACL(content: ["allow": ["*"], "allow_ip_literals": false]).allowIPLiterals)
    }

    @Test func strictValidation() throws {
        let acl = try ServerACL(validating: ["allow": ["*"], "deny": ["evil.com"], "allow_ip_literals": false])
        #expect(acl == ServerACL(allow: ["*"], deny: ["evil.com"], allowIPLiterals: false))
        #expect(try ServerACL(validating: ["allow": ["*"], "deny": nil]).deny == [])
        for bad: JSONObject in [
            ["allow": "*"], ["allow": ["*", 1]], ["deny": ["a", ["b"]]], ["deny": 1], ["allow_ip_literals": "false"],
            ["allow_ip_literals": 0],
        ] {
            do {
                _ = try ServerACL(validating: bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.errcode == "M_BAD_JSON")
                #expect(error.status == 400)
            }
        }
    }
}
