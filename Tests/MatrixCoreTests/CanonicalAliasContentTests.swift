import MatrixCore
import Testing

@Suite struct CanonicalAliasContentTests {
    @Test func validContent() throws {
        let (content, added) = try CanonicalAliasContent.validate(content: [
            "alias": "#main:example.org", "alt_aliases": ["#alt:example.org", "#main:example.org"],
        ])
        #expect(content.alias == "#main:example.org")
        #expect(content.altAliases == ["#alt:example.org", "#main:example.org"])
        #expect(added == ["#main:example.org", "#alt:example.org"])
        #expect(content.allAliases == ["#main:example.org", "#alt:example.org", "#main:example.org"])
    }

    @Test func emptyAndNullMeanNone() throws {
        for json: JSONObject in [[:], ["alias": ""], ["alias": nil], ["alias": nil, "alt_aliases": nil]] {
            let (content, added) = try CanonicalAliasContent.validate(content: json)
            #expect(content.alias == nil)
            #expect(content.altAliases.isEmpty)
            #expect(added.isEmpty)
        }
    }

    @Test func onlyNewAliasesAreChecked() throws {
        let previous: JSONObject = ["alias": "#old:example.org", "alt_aliases": ["#kept:example.org", "not an alias"]]
        let (_, added) = try CanonicalAliasContent.validate(
            content: ["alias": "#old:example.org", "alt_aliases": ["not an alias", "#new:example.org"]],
            previous: previous)
        #expect(added == ["#new:example.org"])
        let (_, none) = try CanonicalAliasContent.validate(content: previous, previous: previous)
        #expect(none.isEmpty)
    }

    @Test(arguments: [
        ["alias": 1], ["alias": "no-sigil:example.org"], ["alias": "#nocolon"], ["alias": "#bad:exa mple.org"],
        ["alt_aliases": "#a:example.org"], ["alt_aliases": [1]], ["alt_aliases": ["#ok:example.org", "#"]],
        ["alias": .string("#" + String(repeating: "a", count: 250) + ":example.org")],
    ] as [JSONObject])
    func invalidIsInvalidParam(_ json: JSONObject) {
        do {
            _ = try CanonicalAliasContent.validate(content: json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.errcode == "M_INVALID_PARAM")
            #expect(error.status == 400)
        }
    }

    @Test func lenientReading() {
        let content = CanonicalAliasContent(content: ["alias": 3, "alt_aliases": ["#a:x.org", 4]])
        #expect(content.alias == nil)
        #expect(content.altAliases == ["#a:x.org"])
        #expect(CanonicalAliasContent(content: ["alt_aliases": "x"]).altAliases.isEmpty)
    }
}
