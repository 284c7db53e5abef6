import Testing

@testable import MXRayAuth

/// SPF (RFC 7208 §4.5, §4.6) and DKIM key records (RFC 6376 §3.2, §3.6.1) as their grammars write
/// them. The openspf suite (SPFConformanceTests) covers SPF evaluation; these are the separator
/// and unknown-value rules that decide whether a record is read at all.
@Suite struct RecordGrammarTests {
    @Test func spfSeparatorsAreSpacesOnly() throws {
        // terms = *( 1*SP ( directive / modifier ) ) and record = version terms *SP.
        #expect(try SPFRecord(parsing: "v=spf1  a   -all  ").directives.count == 2)
        // RFC 7208 §4.5: the version is "v=spf1" followed by SP or the end; a tab after it means the
        // TXT record is not an SPF record at all. Parsers that split on any whitespace (pyspf's
        // str.split, many /\s+/ splitters) read it as one; RFC 7208 is right, and a domain that
        // publishes it should hear that its record is not one.
        #expect(SPFRecord.isSPF("v=spf1\t-all") == false)
        // A tab between later terms is not SP: the term "a\t-all" is a syntax error, a permerror.
        #expect(throws: SPFError.self) { try SPFRecord(parsing: "v=spf1 a\t-all") }
        // ABNF literals are case-insensitive (RFC 5234 §2.3): V=SPF1 is a version section.
        #expect(SPFRecord.isSPF("V=SPF1 -all"))
    }

    @Test func spfModifiers() throws {
        // RFC 7208 §6: unknown modifiers are ignored; redirect and exp at most once each.
        #expect(try SPFRecord(parsing: "v=spf1 foo=bar -all").directives.count == 1)
        #expect(throws: SPFError.self) { try SPFRecord(parsing: "v=spf1 redirect=a.example redirect=b.example") }
        #expect(throws: SPFError.self) { try SPFRecord(parsing: "v=spf1 -all exp=") }
    }

    static let rsaKey =
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jY"
        + "fcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQP"
        + "NUYckcQ2QIDAQAB"

    @Test func dkimKeyRecordsTheGrammarAccepts() throws {
        // tag-list: [FWS] around '=' and ';', and tabs are WSP.
        let tabbed = try KeyRecord(parsing: "v=DKIM1;\tk=rsa ;\tp=\(Self.rsaKey)")
        #expect(tabbed.key != nil && tabbed.keyType == "rsa")
        // base64string allows FWS between its characters (RFC 6376 §2.4), as long TXT keys are written.
        let spaced = Self.rsaKey.enumerated().map { $0.offset % 40 == 39 ? "\($0.element) " : "\($0.element)" }.joined()
        #expect(try KeyRecord(parsing: "p=\(spaced)").key != nil)
        // Unknown tags, unknown t= flags, unknown h= algorithms and unknown s= service types are
        // ignored (§3.6.1); s= naming email among them keeps the key usable.
        let lenient = try KeyRecord(parsing: "n=notes; zz=1; t=y:x; h=sha256:future; s=email:future; p=\(Self.rsaKey)")
        #expect(lenient.testing && !lenient.strict && lenient.hashAlgorithms == ["sha256", "future"])
        // Tag names are case-sensitive (§3.2): K=ed25519 is an unknown tag, so k is the default rsa.
        #expect(try KeyRecord(parsing: "K=ed25519; p=\(Self.rsaKey)").keyType == "rsa")
        // An empty p= is a revoked key, not a syntax error.
        #expect(try KeyRecord(parsing: "v=DKIM1; p=").key == nil)
    }

    @Test func dkimKeyRecordsTheGrammarRefuses() {
        // v= must be first when present, and DKIM1 (§3.6.1).
        #expect(throws: KeyRecordError.self) { try KeyRecord(parsing: "p=\(Self.rsaKey); v=DKIM1") }
        #expect(throws: KeyRecordError.self) { try KeyRecord(parsing: "v=DKIM2; p=\(Self.rsaKey)") }
        // s= without email or * says the key is not for mail.
        #expect(throws: KeyRecordError.self) { try KeyRecord(parsing: "s=future; p=\(Self.rsaKey)") }
        // A key type the verifier does not know cannot verify (§6.1.2: PERMFAIL, inappropriate key).
        #expect(throws: KeyRecordError.self) { try KeyRecord(parsing: "k=future; p=\(Self.rsaKey)") }
        // No p= at all is a malformed record.
        #expect(throws: KeyRecordError.self) { try KeyRecord(parsing: "v=DKIM1; k=rsa") }
    }
}
