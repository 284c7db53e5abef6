import Testing

@testable import MXRayAuth

@Suite struct AuthenticationResultsTests {
    @Test func parsesMethodsPropertiesCommentsAndReason() throws {
        let ar = try AuthenticationResults(
            parsing: """
                mx.example.com 1; (a comment (nested)) spf=pass (sender SPF authorized) smtp.mailfrom=jqd@d1.example;
                 dkim=fail reason="body hash mismatch; changed" header.d=d1.example header.s="sel 1";
                 DMARC=pass policy.dmarc=none header.from=d1.example; dkim/1=neutral
                """)
        #expect(ar.authservID == "mx.example.com")
        #expect(ar.version == 1)
        #expect(ar.results.map(\.method) == ["spf", "dkim", "dmarc", "dkim"])
        #expect(ar.results[0].comments == ["sender SPF authorized"])
        #expect(ar.results[0].property("smtp", "mailfrom") == "jqd@d1.example")
        #expect(ar.results[1].reason == "body hash mismatch; changed")
        #expect(ar.results[1].property("header", "s") == "sel 1")
        #expect(ar.results[2].property("policy", "dmarc") == "none")
        #expect(ar.results[3].methodVersion == "1" && ar.results[3].result == "neutral")
    }

    @Test func noResult() throws {
        let ar = try AuthenticationResults(parsing: "example.org; none")
        #expect(ar.results.isEmpty)
        #expect(ar.rendered == "example.org; none")
    }

    @Test func roundTripsThroughRendering() throws {
        let ar = AuthenticationResults(
            authservID: "mx.example.net",
            results: [
                .init(
                    method: "spf", result: "pass",
                    properties: [.init(type: "smtp", name: "mailfrom", value: "a@example.org")]),
                .init(
                    method: "dkim", result: "fail", reason: "signature did not verify",
                    properties: [.init(type: "header", name: "d", value: "example.org")], comments: ["2048-bit key"]),
            ])
        let parsed = try AuthenticationResults(parsing: ar.rendered)
        #expect(parsed.results.map(\.method) == ["spf", "dkim"])
        #expect(parsed.results[1].reason == "signature did not verify")
        #expect(parsed.results[1].comments == ["2048-bit key"])
        #expect(parsed.results[1].property("header", "d") == "example.org")
    }

    @Test(arguments: ["", "   ", "example.org; =pass", "example.org; spf", "example.org; dkim=pass header.d"])
    func malformedValuesThrow(text: String) {
        #expect(throws: AuthenticationResultsError.self) { try AuthenticationResults(parsing: text) }
    }
}
