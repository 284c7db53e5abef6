import MXRayInbound
import Testing

/// The MTA-STS record and policy (RFC 8461 §3.1, §3.2) and the TLS-RPT record (RFC 8460 §3) as
/// their grammars write them: WSP (space or tab) where the ABNF allows it, unknown fields ignored,
/// the values the grammar fixes checked exactly. Where a peer decides otherwise, the test says who
/// is right and why.
@Suite struct InboundRecordGrammarTests {
    @Test(arguments: [
        "v=STSv1; id=20160831085700Z;",
        "v=STSv1;id=20160831085700Z",
        "v=STSv1;\tid=abc123\t;",  // sts-field-delim = *WSP ";" *WSP: tabs are WSP
        "v=STSv1; id=abc123; ext_1=some.value",  // sts-extension: ignored
    ])
    func mtaSTSRecordsTheGrammarAccepts(_ text: String) throws {
        #expect(try MTASTSRecord(parsing: text).id.isEmpty == false)
    }

    /// The WSP around fields and values is not part of them; other white space is.
    @Test func whiteSpaceAroundFieldsIsDropped() throws {
        #expect(try MTASTSRecord(parsing: " \tv=STSv1 ;\t id = abc123 \t; ").id == "abc123")
        #expect(MTASTSRecord.isMTASTS("\t v=STSv1; id=1"))
        let uris = try TLSRPTRecord(parsing: "v=TLSRPTv1 ;\trua= mailto:a@example.com\t,\t https://r.example/x ")
            .reportURIs
        #expect(uris == ["mailto:a@example.com", "https://r.example/x"])
        #expect(throws: TLSRPTError.self) { try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=\u{A0}\u{A0}") }
    }

    @Test(arguments: [
        "v=STSv1; id=",  // sts-id = "id=" 1*32(ALPHA / DIGIT)
        "v=STSv1; id=abc-123",  // a hyphen is not ALPHA / DIGIT
        "v=STSv1; id=\(String(repeating: "a", count: 33))",  // at most 32
        "V=STSv1; id=abc",  // %s"v=STSv1": case-sensitive
        "v=STSv2; id=abc",
        "id=abc; v=STSv1",  // the version comes first
    ])
    func mtaSTSRecordsTheGrammarRefuses(_ text: String) {
        #expect(throws: MTASTSError.self) { try MTASTSRecord(parsing: text) }
    }

    static let policy = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n"

    @Test(arguments: [
        policy,
        policy.replacingOccurrences(of: "\r\n", with: "\n"),  // sts-policy-term-delim = CRLF / LF
        "version:\tSTSv1\nmode:\tenforce\t\nmx: mail.example.com  \nmax_age:86400",  // *WSP after ':' and at the end
        "mode: enforce\nmx: mail.example.com\nversion: STSv1\nmax_age: 86400\n",  // fields in any order
        policy + "future_field: some value\r\n",  // sts-policy-extension: ignored
        "version: STSv1\nmode: none\nmax_age: 86400\n",  // mode none needs no mx
    ])
    func policiesTheGrammarAccepts(_ text: String) throws {
        let parsed = try MTASTSPolicy(parsing: text)
        #expect(parsed.maxAge == 86400)
    }

    @Test(arguments: [
        policy.replacingOccurrences(of: "enforce", with: "Enforce"),  // %s"enforce": case-sensitive
        policy.replacingOccurrences(of: "86400", with: "31557601"),  // over the maximum of §3.2
        policy.replacingOccurrences(of: "86400", with: "-1"),
        policy.replacingOccurrences(of: "STSv1", with: "STSv2"),
        policy.replacingOccurrences(of: "mx: mail.example.com\r\n", with: ""),  // enforce with no mx
        policy + "mode: testing\r\n",  // two modes: which one would a sender use?
    ])
    func policiesTheGrammarRefuses(_ text: String) {
        #expect(throws: MTASTSError.self) { try MTASTSPolicy(parsing: text) }
    }

    @Test func tlsRPTRecordsTheGrammarAccepts() throws {
        #expect(try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=mailto:tls@example.com").reportURIs.count == 1)
        // tlsrpt-rua = "rua=" uri *(*WSP "," *WSP uri), and field-delim = *WSP ";" *WSP.
        let both = try TLSRPTRecord(
            parsing: "v=TLSRPTv1;\trua=mailto:tls@example.com ,\thttps://reports.example.com/tlsrpt ; ")
        #expect(both.reportURIs == ["mailto:tls@example.com", "https://reports.example.com/tlsrpt"])
        // tlsrpt-extension: ignored.
        #expect(try TLSRPTRecord(parsing: "v=TLSRPTv1; ext=1; rua=mailto:a@example.com").reportURIs.count == 1)
    }

    /// RFC 8460 §3 names only mailto and https; a sender can use no other scheme. Stalwart's
    /// mail-auth ignores the others and keeps the record when one usable URI remains, and so does
    /// mxray (it shows them as ignored): refusing the whole record would tell the audit the domain
    /// asks for no reports, when it asks for them at a usable address too.
    @Test func otherSchemesAreIgnoredNotFatal() throws {
        let record = try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=ftp://reports.example.com/x,mailto:a@example.com")
        #expect(record.reportURIs == ["mailto:a@example.com"])
        #expect(record.ignoredURIs == ["ftp://reports.example.com/x"])
        #expect(throws: TLSRPTError.self) { try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=ftp://reports.example.com/x") }
    }

    @Test(arguments: [
        "v=TLSRPTv1",  // rua is required
        "v=TLSRPTv1; rua=",
        "v=TLSRPTv2; rua=mailto:a@example.com",
        "V=TLSRPTv1; rua=mailto:a@example.com",  // %s"v=TLSRPTv1": case-sensitive
        "rua=mailto:a@example.com; v=TLSRPTv1",  // the version comes first
    ])
    func tlsRPTRecordsTheGrammarRefuses(_ text: String) {
        #expect(throws: TLSRPTError.self) { try TLSRPTRecord(parsing: text) }
    }
}
