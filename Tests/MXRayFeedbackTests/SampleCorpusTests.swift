import Foundation
import Testing

@testable import MXRayFeedback

/// Reports written by real reporters and by other projects' test suites (Resources/SOURCES.md names
/// each file's origin and licence): every one is read, or refused for the reason listed here.
@Suite struct SampleCorpusTests {
    /// Samples that are malformed on purpose or by accident, and the reason each must be refused for.
    static let refused: [String: String] = [
        "dmarcbis-draft-dmarc-xml-0.2.xml": "a closing tag does not match",  // <genertor>...</generator>
        "parsedmarc-invalid_xml.xml": "not well-formed",  // <email><bad-xml@bad-xml.net></email>
        "trollbyte-dmarc-malformed.xml": "not well-formed",
        "trollbyte-dmarc-malformed_report.xml": "the root element is <invalid_root>, not <feedback>",
        "mail-auth-tlsrpt-rpt03.json": "no policy-domain",  // RFC 8460 §4.4 requires it
    ]

    static var files: [URL] {
        (try? FileManager.default.contentsOfDirectory(at: Fixtures.samples, includingPropertiesForKeys: nil))?
            .sorted { $0.lastPathComponent < $1.lastPathComponent } ?? []
    }

    @Test func everySampleReadOrRefusedForItsReason() throws {
        let files = Self.files
        #expect(files.count >= 50)
        var dmarc = 0, tls = 0
        var reporters = Set<String>()
        for file in files {
            let found = ReportUnpacker.reports(in: [UInt8](try Data(contentsOf: file)), name: file.lastPathComponent)
            #expect(found.count == 1, "\(file.lastPathComponent)")
            switch found.first?.outcome {
            case .success(.dmarc(let r)):
                dmarc += 1
                reporters.insert(r.orgName.lowercased())
                #expect(Self.refused[file.lastPathComponent] == nil, "\(file.lastPathComponent) should be refused")
                #expect(r.end >= r.begin && !r.published.domain.isEmpty, "\(file.lastPathComponent)")
            case .success(.tls(let r)):
                tls += 1
                reporters.insert(r.orgName.lowercased())
                #expect(Self.refused[file.lastPathComponent] == nil, "\(file.lastPathComponent) should be refused")
            case .failure(let error):
                let expected = Self.refused[file.lastPathComponent]
                #expect(expected != nil, "\(file.lastPathComponent): \(error.description)")
                if let expected { #expect(error.description.contains(expected), "\(error.description)") }
            case nil: Issue.record("nothing from \(file.lastPathComponent)")
            }
        }
        #expect(dmarc >= 35 && tls >= 10 && reporters.count >= 25)
    }

    /// Figures read by hand from the files, one per reporter style.
    @Test func spotChecks() throws {
        func report(_ name: String) throws -> FeedbackReport {
            let data = try Data(contentsOf: Fixtures.samples.appendingPathComponent(name))
            let found = ReportUnpacker.reports(in: [UInt8](data), name: name)
            guard case .success(let r) = found.first?.outcome else { throw FeedbackError("\(name) not read") }
            return r
        }
        guard case .dmarc(let outlook) = try report("dmarc-report-viewer-outlook.xml") else {
            Issue.record("the Outlook sample is not read as a DMARC report")
            return
        }
        #expect(outlook.orgName == "Outlook.com" || outlook.orgName.lowercased() == "outlook.com")
        #expect(outlook.records.count == 2 && outlook.messageCount == 3)
        guard case .dmarc(let bis) = try report("parsedmarc-dmarcbis-example.net!example.com!1700000000!1700086399.xml")
        else {
            Issue.record("the DMARCbis sample is not read as a DMARC report")
            return
        }
        #expect(bis.version != nil && bis.begin == 1_700_000_000)
        guard case .tls(let ms) = try report("dmarc-report-viewer-smtp-tls-microsoft.json") else {
            Issue.record("the Microsoft sample is not read as a TLS report")
            return
        }
        #expect(ms.orgName == "Microsoft Corporation" && ms.policies.count == 2)
    }
}
