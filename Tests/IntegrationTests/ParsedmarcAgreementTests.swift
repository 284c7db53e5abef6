import Foundation
import Testing

/// mxray and parsedmarc (PyPI, installed by Scripts/integration-test.sh) read the same report files:
/// every file both read gives the same reporter, report id, domain, period and messages per source
/// and verdict (after parsedmarc's own normalisations), and the files only one reads are the known ones.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_PARSEDMARC"] != nil))
struct ParsedmarcAgreementTests {
    @Test func sameReportsAsParsedmarc() throws {
        let samples = Interop.root.appendingPathComponent("Tests/MXRayFeedbackTests/Resources/samples")
        let examples = Interop.root.appendingPathComponent("Examples/reports")
        var files: [String] = []
        for dir in [samples, examples] {
            files += try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { dir.path + "/" + $0 }
        }
        let script = Interop.root.appendingPathComponent("Scripts/parsedmarc_agreement.py").path
        let run = try Interop.runProcess(["python3", script, MXRayBinary.path] + files)
        #expect(run.status == 0, "\(run.output)")
        let start = run.output.firstIndex(of: "{") ?? run.output.startIndex
        let result = try JSONSerialization.jsonObject(with: Data(run.output[start...].utf8)) as? [String: Any] ?? [:]
        let both = result["both"] as? Int ?? 0
        #expect(both >= 50 && result["agree"] as? Int == both, "\(run.output)")
        func names(_ key: String) -> Set<String> {
            Set((result[key] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String })
        }
        // parsedmarc requires <email> and at least one <record>, and rejects a record without an address;
        // mxray stores those (nothing in them is false) and skips the empty record.
        #expect(
            names("only_mxray") == [
                "dmarc-analyzer-zero_records.xml", "dmarc-report-converter-test_empty.xml",
                "dmarcbis-draft-dmarc-xmlalt-0.2.xml", "trollbyte-dmarc-missing_fields.xml",
                "trollbyte-dmarc-multiple_auth_results.xml",
            ])
        // parsedmarc re-parses XML that is not well-formed in lxml's recover mode; mxray keeps it aside.
        #expect(names("only_parsedmarc") == ["dmarcbis-draft-dmarc-xml-0.2.xml", "parsedmarc-invalid_xml.xml"])
    }
}
