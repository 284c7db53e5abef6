import Foundation
import MXRayDNS
import MXRayMessage
import Testing
import Yams

@testable import MXRayAuth

/// The Public Suffix List's own test cases (test_psl.txt), against the bundled list.
@Suite struct PublicSuffixListTests {
    /// `checkPublicSuffix('input', 'expected')` lines, the commented-out ones marked.
    static func cases() throws -> [(input: String?, expected: String?, disabled: Bool)] {
        try Conformance.text("psl/test_psl.txt").split(separator: "\n").compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            let disabled = line.hasPrefix("//checkPublicSuffix")
            guard line.hasPrefix("checkPublicSuffix") || disabled else { return nil }
            let args = line.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func value(_ s: String) -> String? { s == "null" ? nil : String(s.dropFirst().dropLast()) }
            return (value(args[0]), value(args[1]), disabled)
        }
    }

    @Test func allCasesOfTheList() throws {
        let list = PublicSuffixList.bundled
        #expect(list.ruleCount > 9000)
        let all = try Self.cases()
        #expect(all.count == 82)
        var run = 0
        for c in all {
            // Four cases are commented out upstream: .local is not in the list, so the default
            // "*" rule makes example.local registrable. They are skipped for that reason.
            if c.disabled {
                #expect(c.input?.hasSuffix("local") == true)
                continue
            }
            let got = c.input.flatMap { list.registrableDomain($0) }
            #expect(got == c.expected, "\(c.input ?? "null")")
            run += 1
        }
        #expect(run == 78)
    }

    @Test func punycode() {
        #expect(Punycode.decode("85x722f") == "食狮")
        #expect(Punycode.decode("55qx5d") == "公司")
        #expect(Punycode.decode("!!!") == nil)
    }
}

/// authheaders' DMARC cases (DERIVED-dmarc-cases.yml), each checked against the RFC.
@Suite struct DMARCDerivedCasesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var message: String
        var dkimVerify: Bool
        var dkimResults: [String]
        var dmarcbis: Bool
        var expect: [String: String]
        var testDescription: String { name }
    }

    nonisolated(unsafe) static let document: [String: Any] =
        (try? Yams.load(yaml: Conformance.text("dmarc-authheaders/DERIVED-dmarc-cases.yml")) as? [String: Any]) ?? [:]

    static let cases: [Case] = ((document["cases"] as? [[String: Any]]) ?? []).map { c in
        let input = c["input"] as? [String: Any] ?? [:]
        return Case(
            name: "\(c["name"] ?? "")", message: "\(c["message"] ?? "")",
            dkimVerify: (input["dkim"] as? String) == "verify",
            dkimResults: (input["dkim"] as? [Any] ?? []).map { "\($0)" }, dmarcbis: input["dmarcbis"] as? Bool ?? false,
            expect: (c["expect"] as? [String: Any] ?? [:]).mapValues { "\($0)" })
    }

    static func resolver() throws -> ZoneResolver {
        let dns = document["dns"] as? [String: Any] ?? [:]
        var records: [ResourceRecord] = []
        for (name, text) in dns["txt"] as? [String: Any] ?? [:] where "\(text)" != "" {
            records.append(ResourceRecord(name: try DomainName(name), ttl: 300, data: .txt(text: "\(text)")))
        }
        for (name, exists) in dns["exists"] as? [String: Any] ?? [:] where (exists as? Bool) == true {
            records.append(ResourceRecord(name: try DomainName(name), ttl: 300, data: .a(IPv4Address(192, 0, 2, 1))))
        }
        let key = try Conformance.text("dmarc-authheaders/test.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        records.append(
            ResourceRecord(name: try DomainName("test._domainkey.example.com"), ttl: 300, data: .txt(text: key)))
        return ZoneResolver(zones: [ZoneFile(records: records)])
    }

    @Test func everyCaseIsRead() { #expect(Self.cases.count == 11) }

    @Test(arguments: cases)
    func derived(_ c: Case) async throws {
        let resolver = try Self.resolver()
        let message = try Message(bytes: Conformance.bytes("dmarc-authheaders/" + c.message))
        var identifiers: [DMARCEvaluator.Identifier] = []
        if c.dkimVerify {
            let verdicts = await DKIMVerifier(resolver: resolver, now: 1_700_000_000).verify(message)
            if let expected = c.expect["dkim"] {
                #expect("\(verdicts.first!.result.rawValue) header.d=\(verdicts.first!.domain!)" == expected)
            }
            identifiers = verdicts.compactMap { v in
                v.domain.map { .init(method: "dkim", domain: $0, passed: v.result == .pass) }
            }
        } else {
            identifiers = c.dkimResults.map { r in
                let parts = r.split(separator: " ")
                return .init(
                    method: "dkim", domain: String(parts[1].dropFirst("header.d=".count)), passed: parts[0] == "pass")
            }
        }
        // The expectations were made by authheaders, an RFC 7489 implementation (with RFC 9091's
        // np=); the one case marked dmarcbis uses the RFC 9989 tree walk.
        let evaluator = DMARCEvaluator(resolver: resolver, mode: c.dmarcbis ? .rfc9989 : .rfc7489)
        let verdict = await evaluator.evaluate(
            fromFieldValues: message.fields(named: "From").map(\.value), identifiers: identifiers)
        #expect(verdict.result.rawValue == c.expect["dmarc"], "\(c.name): \(verdict.reason)")
        if let from = c.expect["header_from"], from != "none" { #expect(verdict.fromDomain == from, "\(c.name)") }
        if let policy = c.expect["policy"], verdict.result != .permerror, verdict.result != .none {
            #expect(verdict.policy?.rawValue == policy, "\(c.name): \(verdict.policyTag ?? "")")
        }
        if let used = c.expect["record_used"], ["from-domain", "org-domain"].contains(used) {
            #expect(verdict.recordUsed == (used == "org-domain" ? "organizational-domain" : used), "\(c.name)")
        }
    }

    /// Where RFC 9989 reads the same messages differently from RFC 7489, on purpose.
    @Test func rfc9989Differences() async throws {
        let resolver = try Self.resolver()
        let evaluator = DMARCEvaluator(resolver: resolver, mode: .rfc9989)
        // A record without p=: RFC 7489 §6.6.3 stops DMARC processing (no rua= either); RFC 9989
        // treats the missing p= as none, so the message gets a result: fail with policy none.
        let nop = await evaluator.evaluate(
            fromFieldValues: ["Test User <test@nop.eXample.org>"],
            identifiers: [.init(method: "dkim", domain: "nop.example.org", passed: false)])
        #expect(nop.result == .fail && nop.policy == DMARCRecord.Policy.none)
        // .gov publishes psd=y: under RFC 7489 (without RFC 9091) example.gov has no policy at all.
        let gov = await DMARCEvaluator(resolver: resolver, mode: .rfc7489).evaluate(
            fromFieldValues: ["a@example.gov"], identifiers: [])
        #expect(gov.result == .none)
    }

    @Test func fromParsing() throws {
        for pair in Self.document["from_parsing"] as? [[String]] ?? [] {
            #expect(AuthorDomain.domains(inFromValue: pair[0]) == [pair[1]], "\(pair[0])")
        }
        #expect(
            AuthorDomain.domains(inFromValue: "Team: a@x.example, \"b, c\" <b@y.example>;") == [
                "x.example", "y.example",
            ])
        #expect(AuthorDomain.domains(inFromValue: "\"Test User\"").isEmpty)
    }
}

/// DMARC engine behaviour on in-memory zones.
@Suite struct DMARCEngineTests {
    func zone(_ text: String) throws -> ZoneResolver { ZoneResolver(zones: [try ZoneFile(parsing: Array(text.utf8))]) }

    @Test func treeWalkNames() {
        #expect(
            DMARCEvaluator.treeWalk("a.b.example.com") == ["a.b.example.com", "b.example.com", "example.com", "com"])
        let long = DMARCEvaluator.treeWalk("1.2.3.4.5.6.7.8.9.example.com")
        #expect(long.count == 8)
        #expect(long[0] == "1.2.3.4.5.6.7.8.9.example.com" && long[1] == "5.6.7.8.9.example.com" && long.last == "com")
    }

    @Test func organizationalDomainByTreeWalkAndPSL() async throws {
        let r = try zone(
            """
            $ORIGIN example.
            $TTL 60
            _dmarc.co.example. TXT "v=DMARC1; p=none; psd=y"
            _dmarc.brand.co.example. TXT "v=DMARC1; p=reject"
            _dmarc.corp.example. TXT "v=DMARC1; p=quarantine; psd=n"
            _dmarc.mail.corp.example. TXT "v=DMARC1; p=none"
            """)
        let walk = DMARCEvaluator(resolver: r)
        var cache: [String: DMARCEvaluator.Found] = [:]
        #expect(try await walk.organizationalDomain("x.y.brand.co.example", cache: &cache).get() == "brand.co.example")
        #expect(try await walk.organizationalDomain("mail.corp.example", cache: &cache).get() == "corp.example")
        #expect(
            try await walk.organizationalDomain("nothing.here.example", cache: &cache).get() == "nothing.here.example")
        let psl = DMARCEvaluator(resolver: r, mode: .rfc7489)
        #expect(try await psl.organizationalDomain("a.b.example.co.uk", cache: &cache).get() == "example.co.uk")
    }

    @Test func alignmentAndPolicies() async throws {
        let r = try zone(
            """
            $ORIGIN example.com.
            $TTL 60
            @ A 192.0.2.1
            _dmarc TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r"
            mail A 192.0.2.2
            """)
        let e = DMARCEvaluator(resolver: r)
        // Relaxed SPF alignment: mail.example.com aligns with example.com.
        let spf = await e.evaluate(
            fromFieldValues: ["a@example.com"],
            identifiers: [.init(method: "spf", domain: "mail.example.com", passed: true)])
        #expect(spf.result == .pass && spf.spfAligned)
        // Strict DKIM alignment: a subdomain signature does not align.
        let dkim = await e.evaluate(
            fromFieldValues: ["a@example.com"],
            identifiers: [.init(method: "dkim", domain: "mail.example.com", passed: true)])
        #expect(dkim.result == .fail && dkim.policy == .reject && dkim.policyTag == "p")
        // An existing subdomain gets sp=, a non-existent one np= (RFC 9091).
        let sub = await e.evaluate(fromFieldValues: ["a@mail.example.com"], identifiers: [])
        #expect(sub.policy == .quarantine && sub.policyTag == "sp")
        let ghost = await e.evaluate(fromFieldValues: ["a@ghost.example.com"], identifiers: [])
        #expect(ghost.policy == .reject && ghost.policyTag == "np")
        // A failing identifier never aligns.
        let failing = await e.evaluate(
            fromFieldValues: ["a@example.com"],
            identifiers: [.init(method: "dkim", domain: "example.com", passed: false)])
        #expect(failing.result == .fail)
    }

    @Test func dnsFailureIsTemperrorAndNoRecordIsNone() async throws {
        var config = ResolverConfiguration(nameservers: [Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: 9)])
        config.timeout = .milliseconds(50)
        config.attempts = 1
        let stub = StubResolver(configuration: config)
        let temp = await DMARCEvaluator(resolver: stub).evaluate(fromFieldValues: ["a@example.com"], identifiers: [])
        #expect(temp.result == .temperror)
        await stub.shutdown()
        let none = await DMARCEvaluator(resolver: try zone("$ORIGIN example.com.\n@ 60 A 192.0.2.1\n")).evaluate(
            fromFieldValues: ["a@example.com"], identifiers: [])
        #expect(none.result == .none)
    }

    /// Invalid values of optional tags (pct, adkim, rua) once made the record invalid; RFC 7489 §6.3
    /// discards them in favour of the defaults, so the record stands (`DMARCRecordLeniencyTests`).
    @Test(arguments: [
        ("v=DMARC1; p=reject", true), ("v=DMARC1; p=maybe", false), ("v=DMARC1; pct=101; p=none", true),
        ("p=none; v=DMARC1", false), ("v=DMARC1; p=none; adkim=x", true), ("v=DMARC1; p=none; psd=y; t=y", true),
        ("v=DMARC1; p=none; rua=dmarc@example.com", true), ("v=DMARC1; p=none; reject", false),
    ])
    func recordSyntax(text: String, valid: Bool) {
        #expect(((try? DMARCRecord(parsing: text)) != nil) == valid, "\(text)")
    }
}

/// Records as publishers really write them (RFC 7489 §6.3, §6.4; RFC 9989 §4.7).
@Suite struct DMARCRecordLeniencyTests {
    /// WSP is a space or a tab, around `=` and `;` alike: the record exists and applies.
    @Test func tabsAroundEqualsAndSemicolons() throws {
        let text = "v = DMARC1\t;\tp=reject"
        #expect(DMARCRecord.isDMARC(text))
        #expect(DMARCRecord.isDMARC("v\t=\tDMARC1;p=none") && !DMARCRecord.isDMARC("v=DMARC10; p=none"))
        #expect(try DMARCRecord(parsing: text).policy == .reject)
    }

    /// An empty tag spec from a doubled `;;` is skipped (checkdmarc, mailauth and Stalwart agree).
    @Test func doubledSemicolonIsNotAnError() throws {
        #expect(try DMARCRecord(parsing: "v=DMARC1;; p=quarantine;;").policy == .quarantine)
    }

    /// RFC 7489 §6.3: syntax errors in optional tags fall back to the defaults; RFC 9989 makes pct
    /// historic, so an out-of-range pct never turns the record into a permerror.
    @Test func invalidOptionalTagsAreIgnored() async throws {
        let r = try DMARCRecord(parsing: "v=DMARC1; p=reject; pct=150; adkim=x; ri=soon; t=maybe")
        #expect(r.policy == .reject && r.percent == 100 && r.dkimAlignment == .relaxed && !r.testing)
        #expect(r.ignoredTags == ["t=maybe", "adkim=x", "pct=150", "ri=soon"])
        let zone = try ZoneFile(
            parsing: Array(
                """
                $ORIGIN example.org.
                @ SOA ns hm 1 1 1 1 60
                _dmarc TXT "v=DMARC1; p=reject; pct=150"
                """.utf8))
        let verdict = await DMARCEvaluator(resolver: ZoneResolver(zones: [zone])).discover("example.org")
        #expect(verdict.result != .permerror && verdict.policy == .reject && verdict.percent == nil)
    }
}

@Suite struct InternationalAuthorDomainTests {
    /// A From address with U-labels (RFC 6532) is asked about in A-label form.
    @Test func uLabelsBecomeALabels() {
        #expect(AuthorDomain.domains(inFromValue: "Jörg <jörg@Bücher.Example>") == ["xn--bcher-kva.example"])
    }
}
