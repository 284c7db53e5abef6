import Foundation
import Testing

@testable import MXRayFeedback

/// The two report formats: RFC 7489 Appendix C (and DMARCbis) XML, RFC 8460 §4.4 JSON.
@Suite struct ParserTests {
    @Test func dmarcRoundTrip() throws {
        let report = Fixtures.dmarc()
        let parsed = try DMARCReportParser.parse(Array(ReportWriter.xml(report).utf8))
        #expect(parsed == report)
        #expect(parsed.messageCount == 15 && parsed.records.filter(\.dmarcPass).count == 1)
    }

    @Test func tlsRoundTrip() throws {
        let report = Fixtures.tls()
        #expect(try TLSReportParser.parse(Array(ReportWriter.json(report).utf8)) == report)
    }

    /// DMARCbis: a default namespace, a prefixed one, `version`, `np`, `testing`; a byte-order mark.
    @Test func namespacesAndBOM() throws {
        let plain = ReportWriter.xml(Fixtures.dmarc())
        let bis = plain.replacingOccurrences(
            of: "<feedback>", with: "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n  <version>1.0</version>"
        ).replacingOccurrences(of: "<sp>reject</sp>", with: "<np>quarantine</np><testing>n</testing>")
        let parsed = try DMARCReportParser.parse([0xEF, 0xBB, 0xBF] + Array(bis.utf8))
        #expect(parsed.version == "1.0" && parsed.published.np == "quarantine" && parsed.published.testing == "n")
        let prefixed = plain.replacingOccurrences(of: "<feedback>", with: "<d:feedback xmlns:d=\"urn:x\">")
            .replacingOccurrences(of: "</feedback>", with: "</d:feedback>")
        #expect(try DMARCReportParser.parse(Array(prefixed.utf8)).records.count == 3)
    }

    /// Reporters pad values with whitespace, write times with a fraction, and case keywords as they like.
    @Test func lenientValues() throws {
        let xml = ReportWriter.xml(Fixtures.dmarc())
            .replacingOccurrences(of: "<begin>1764374400</begin>", with: "<begin> 1764374400.25 </begin>")
            .replacingOccurrences(of: "<disposition>reject</disposition>", with: "<disposition>Reject</disposition>")
            .replacingOccurrences(of: "<count>10</count>", with: "<count>\n 10\n</count>")
        let parsed = try DMARCReportParser.parse(Array(xml.utf8))
        #expect(parsed.begin == 1_764_374_400 && parsed.records[1].disposition == "reject")
        #expect(parsed.records[0].count == 10)
    }

    @Test func missingFieldsAreNamed() throws {
        let xml = ReportWriter.xml(Fixtures.dmarc())
        let cases: [(String, String, String)] = [
            ("<report_id>1234</report_id>", "", "no report_id"),
            ("<begin>1764374400</begin>", "<begin>yesterday</begin>", "date_range/begin \"yesterday\""),
            ("<source_ip>198.51.100.7</source_ip>", "<source_ip>not an ip</source_ip>", "record 2: source_ip"),
            ("<count>3</count>", "<count>-3</count>", "record 2: count"),
            ("<domain>example.com</domain>\n    <adkim>", "<adkim>", "policy_published has no domain"),
        ]
        for (from, to, reason) in cases {
            #expect(throws: FeedbackError.self) {
                try DMARCReportParser.parse(Array(xml.replacingOccurrences(of: from, with: to).utf8))
            }
            do {
                _ = try DMARCReportParser.parse(Array(xml.replacingOccurrences(of: from, with: to).utf8))
            } catch {
                #expect(error.description.contains(reason), "\(error.description)")
            }
        }
    }

    /// No DTD is accepted: external entities (XXE) and entity expansion ("billion laughs") never start.
    @Test func hostileXML() {
        let xxe = """
            <?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>
            """
        let laughs =
            "<?xml version=\"1.0\"?><!doctype lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>"
            + "<feedback>&lol2;</feedback>"
        for text in [xxe, laughs] {
            do {
                _ = try DMARCReportParser.parse(Array(text.utf8))
                Issue.record("a DTD was accepted")
            } catch { #expect(error.description.contains("DTDs and entities are not accepted")) }
        }
        var limits = FeedbackLimits.standard
        limits.maxRecords = 2
        do {
            _ = try DMARCReportParser.parse(Array(ReportWriter.xml(Fixtures.dmarc()).utf8), limits: limits)
            Issue.record("the record bound was not applied")
        } catch { #expect(error.description.contains("3 records exceed the limit of 2")) }
        for junk in ["", "<feedback>", "<feedback><report_metadata></feedback>", "<a/>", "\u{0}<<<"] {
            #expect(throws: FeedbackError.self) { try DMARCReportParser.parse(Array(junk.utf8)) }
        }
    }

    /// TLS-RPT as reporters write it: `mx-host` as a string, counts as strings, no zone, no failures.
    @Test func tlsQuirks() throws {
        let json = """
            {"organization-name":"Microsoft Corporation","date-range":{"start-datetime":"2025-11-28T00:00:00",
            "end-datetime":"2025-11-28T23:59:59.999Z"},"report-id":"133925885310113267+example.com",
            "policies":[{"policy":{"policy-type":"sts","policy-domain":"Example.COM.","mx-host":"*.example.com"},
            "summary":{"total-successful-session-count":"7","total-failure-session-count":0}}]}
            """
        let r = try TLSReportParser.parse(Array(json.utf8))
        #expect(r.begin == 1_764_288_000 && r.end == 1_764_374_399)
        #expect(r.policies[0].domain == "example.com" && r.policies[0].mxHosts == ["*.example.com"])
        #expect(r.policies[0].successCount == 7 && r.policies[0].failures.isEmpty && r.contact == nil)
        for bad in ["{}", "[]", "{\"organization-name\":\"x\",\"report-id\":\"1\"}", "{\"policies\":7}"] {
            #expect(throws: FeedbackError.self) { try TLSReportParser.parse(Array(bad.utf8)) }
        }
    }
}
